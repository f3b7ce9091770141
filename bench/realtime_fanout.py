"""Benchmark: realtime fan-out of new messages to agents' websockets.

    python bench/realtime_fanout.py [--sockets 1000 --inboxes 100 --rate 200 --duration 20]

Starts everything itself: a fresh database in a temp dir (or a reset PostgreSQL schema), a desk
of `--sockets` agents spread round-robin over `--inboxes` inboxes (so each inbox has
sockets/inboxes members and every message fans out to that many agents: agents see their own
inboxes, not everybody's), the server as a separate process (`frontdesk serve`), websocket
clients (the `websockets` library) in `--ws-procs` processes, one socket per agent, and one
process posting messages open loop at `--rate`/s through the REST API, each with a unique
marker in its content, posted by an agent of the conversation's inbox.

For every accepted (2xx) post and every agent who can see its inbox (asked of the app's own
visibility rules after seeding), the event must arrive exactly once: expected, received,
missing, duplicated and unexpected deliveries are counted exactly. Latency of a delivery is
measured from the send time of the POST and from the moment its 2xx response was received
(the event may overtake the response, so that one can be negative). Timestamps are
time.monotonic() (CLOCK_MONOTONIC, system-wide on Linux) in every process.

Prints one JSON object on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import harness
from harness import log

GOAL_P99_MS = 25.0


# --------------------------------------------------------------------------- websocket clients
def agents_process(conf: dict[str, Any], pipe: Any) -> None:
    harness.use_uvloop()
    asyncio.run(_agents(conf, pipe))


async def _agents(conf: dict[str, Any], pipe: Any) -> None:
    from websockets.asyncio.client import connect

    port: int = conf["port"]
    marker: str = conf["marker"]
    frames: list[tuple[int, float, str]] = []  # (user id, arrival, frame) parsed at the end
    failures: Counter[str] = Counter()
    closed_early: list[int] = []
    gate = asyncio.Semaphore(conf["connect_concurrency"])
    sockets: list[Any] = []
    readers: list[asyncio.Task[None]] = []

    async def reader(user_id: int, ws: Any) -> None:
        try:
            async for frame in ws:
                frames.append((user_id, time.monotonic(), frame))
        except Exception:  # a socket closed under us: the missing events will show it
            pass
        if not stopping:
            closed_early.append(user_id)

    async def open_one(user_id: int, token: str) -> None:
        async with gate:
            try:
                ws = await connect(
                    f"ws://127.0.0.1:{port}/api/v1/ws?token={token}",
                    compression="deflate" if conf["compression"] else None,
                    ping_interval=None,
                    max_queue=None,
                    open_timeout=30,
                )
                ready = await asyncio.wait_for(ws.recv(), timeout=30)
                if '"ready"' not in ready:
                    failures["no ready frame"] += 1
                    await ws.close()
                    return
            except Exception as exc:
                failures[type(exc).__name__] += 1
                return
        sockets.append(ws)
        readers.append(asyncio.create_task(reader(user_id, ws)))

    stopping = False
    started = time.monotonic()
    await asyncio.gather(*(open_one(u, t) for u, t in conf["agents"]))
    pipe.send(
        {
            "connected": len(sockets),
            "failures": dict(failures),
            "seconds": time.monotonic() - started,
        }
    )
    loop = asyncio.get_running_loop()
    # The parent says when the measured window starts and ends, then when to stop.
    await loop.run_in_executor(None, pipe.recv)
    cpu0 = harness.self_cpu_seconds()
    await loop.run_in_executor(None, pipe.recv)
    cpu = harness.self_cpu_seconds() - cpu0
    await loop.run_in_executor(None, pipe.recv)
    stopping = True
    for ws in sockets:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.close(), timeout=5)
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)

    import orjson

    deliveries: list[tuple[int, int, float]] = []  # (post index, user id, arrival)
    other_types: Counter[str] = Counter()
    for user_id, arrived, frame in frames:
        event = orjson.loads(frame)
        content = (
            event.get("data", {}).get("content", "") if event["type"] == "message.created" else ""
        )
        if content.startswith(marker):
            deliveries.append((int(content[len(marker) :].split(" ", 1)[0]), user_id, arrived))
        else:
            other_types[event["type"]] += 1
    pipe.send(
        {
            "deliveries": deliveries,
            "other_types": dict(other_types),
            "closed_early": closed_early,
            "cpu_seconds": cpu,
        }
    )


# --------------------------------------------------------------------------- the poster
def poster_process(conf: dict[str, Any], pipe: Any) -> None:
    harness.use_uvloop()
    targets: list[tuple[str, str]] = conf["targets"]  # (path, token) per conversation
    marker: str = conf["marker"]
    filler = "x" * conf["filler"]
    port: int = conf["port"]

    def request_for(i: int) -> bytes:
        path, token = targets[i % len(targets)]
        return harness.post_request(
            path, token, f'{{"content": "{marker}{i} {filler}"}}'.encode(), port
        )

    pipe.send(asyncio.run(harness.open_loop_engine(conf, request_for, record_each=True)))


# --------------------------------------------------------------------------- checks
def check_deliveries(
    posts: list[tuple[int, float, float, float, int]],
    deliveries: list[tuple[int, int, float]],
    expected_for: dict[int, list[int]],
    measure_from: float,
) -> dict[str, Any]:
    """Every accepted post reached every agent who can see its inbox exactly once."""
    accepted = {
        i: (sent, answered) for i, scheduled, sent, answered, status in posts if 200 <= status < 300
    }
    scheduled_at = {i: scheduled for i, scheduled, _sent, _answered, _status in posts}
    got: dict[tuple[int, int], list[float]] = defaultdict(list)
    for i, user_id, arrived in deliveries:
        got[(i, user_id)].append(arrived)
    expected = missing = duplicated = 0
    from_send: list[float] = []
    from_response: list[float] = []
    missing_examples: list[dict[str, int]] = []
    for i, (sent, answered) in accepted.items():
        for user_id in expected_for[i]:
            expected += 1
            times = got.get((i, user_id), [])
            if not times:
                missing += 1
                if len(missing_examples) < 5:
                    missing_examples.append({"post": i, "user_id": user_id})
                continue
            duplicated += len(times) - 1
            if scheduled_at[i] >= measure_from:
                from_send.append((times[0] - sent) * 1000)
                from_response.append((times[0] - answered) * 1000)
    unexpected = sum(
        len(times)
        for (i, user_id), times in got.items()
        if i not in accepted or user_id not in expected_for[i]
    )
    received = sum(len(t) for t in got.values())
    return {
        "accepted_posts": len(accepted),
        "expected_deliveries": expected,
        "received_deliveries": received,
        "missing": missing,
        "duplicated": duplicated,
        "unexpected": unexpected,
        "no_lost_events": missing == 0 and duplicated == 0 and unexpected == 0,
        "missing_examples": missing_examples,
        "latency_from_post_sent_ms": harness.percentiles(from_send),
        "latency_from_post_answered_ms": harness.percentiles(from_response),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite in a temp dir)")
    parser.add_argument("--redis-url", help="run the server with the Redis bus")
    parser.add_argument("--sockets", type=int, default=1000, help="agents, one websocket each")
    parser.add_argument(
        "--inboxes", type=int, default=100, help="agents are spread round-robin over them"
    )
    parser.add_argument("--conversations-per-inbox", type=int, default=5)
    parser.add_argument("--rate", type=float, default=200.0, help="messages posted per second")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds measured")
    parser.add_argument(
        "--warmup", type=float, default=2.0, help="seconds posted first, checked, not timed"
    )
    parser.add_argument(
        "--grace", type=float, default=3.0, help="seconds to wait for late events at the end"
    )
    parser.add_argument("--ws-procs", type=int, default=4, help="websocket client processes")
    parser.add_argument("--connect-concurrency", type=int, default=25, help="per ws process")
    parser.add_argument("--post-connections", type=int, default=64, help="poster's pool")
    parser.add_argument("--content-chars", type=int, default=200)
    parser.add_argument(
        "--compression",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="offer permessage-deflate like browsers do",
    )
    harness.add_server_arguments(parser)
    parser.add_argument(
        "--profile-gil", action="store_true", help="with --profile: sample only the GIL holder"
    )
    parser.add_argument("--profile", type=Path, help="py-spy the server; raw stacks to PATH.txt")
    parser.add_argument("--quiet-wait", type=float, default=60.0)
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="run the server, its PostgreSQL backends and the load at this nice value (e.g."
        " -10 as root): measures the server rather than the neighbours on a shared machine",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args()

    result: dict[str, Any] = {
        "benchmark": "realtime_fanout",
        "source": harness.source_state(),
        "machine": {"cpus": os.cpu_count()},
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "goals": {"p99_ms": GOAL_P99_MS, "lost_events": 0},
        "clients": f"websockets {__import__('websockets').__version__} in {args.ws_procs}"
        " processes; poster: python asyncio (uvloop) raw HTTP/1.1 keep-alive, open loop",
    }
    marker = f"rt-{secrets.token_hex(4)}-"
    with harness.workdir(args.database_url, keep=args.keep) as work:
        result["database"] = "sqlite" if work.is_sqlite else "postgresql"
        conversations = args.inboxes * args.conversations_per_inbox
        log(f"seeding {args.sockets} agents, {args.inboxes} inboxes, {conversations} conversations")
        desk = harness.seed(
            work.database_url,
            inboxes=args.inboxes,
            agents=args.sockets,
            conversations=conversations,
        )
        fanout = [len(desk.members[i]) for i in desk.inbox_ids]
        result["desk"] = {
            "agents": len(desk.agent_ids),
            "inboxes": len(desk.inbox_ids),
            "conversations": len(desk.conversations),
            "agents_per_inbox": {"min": min(fanout), "max": max(fanout)},
        }
        server = harness.start_server(
            work,
            mode=args.server,
            redis_url=args.redis_url,
            nice=args.nice,
            app_factory=args.app_factory,
        )
        result["server_command"] = " ".join(
            Path(c).name if i == 0 else c for i, c in enumerate(server.command)
        )
        agents_load: harness.LoadProcesses | None = None
        try:
            agents = [(u, desk.tokens[u]) for u in desk.agent_ids]
            log(f"opening {len(agents)} websockets from {args.ws_procs} processes")
            agents_load = harness.LoadProcesses(
                agents_process,
                [
                    {
                        "port": server.port,
                        "marker": marker,
                        "agents": agents[p :: args.ws_procs],
                        "connect_concurrency": args.connect_concurrency,
                        "compression": args.compression,
                    }
                    for p in range(args.ws_procs)
                ],
                duplex=True,
                nice=args.nice,
            )
            opened = [pipe.recv() for pipe in agents_load.pipes]
            connected = sum(o["connected"] for o in opened)
            result["websockets"] = {
                "connected": connected,
                "failures": dict(sum((Counter(o["failures"]) for o in opened), Counter())),
                "connect_seconds": round(max(o["seconds"] for o in opened), 2),
            }
            log(f"  {connected} connected in {result['websockets']['connect_seconds']} s")

            busy_before = harness.wait_for_quiet(args.quiet_wait)
            targets = []
            inbox_of_conversation = []
            for j, (conversation_id, inbox_id) in enumerate(desk.conversations):
                poster_id = harness.poster_for(desk, j, inbox_id)
                targets.append(
                    (f"/api/v1/conversations/{conversation_id}/messages", desk.tokens[poster_id])
                )
                inbox_of_conversation.append(inbox_id)
            start_at = time.monotonic() + 2.0
            measure_from = start_at + args.warmup
            end_at = measure_from + args.duration
            poster = harness.LoadProcesses(
                poster_process,
                [
                    {
                        "port": server.port,
                        "marker": marker,
                        "targets": targets,
                        "filler": max(0, args.content_chars - 30),
                        "rate": args.rate,
                        "offset": 0.0,
                        "pool": args.post_connections,
                        "start_at": start_at,
                        "measure_from": measure_from,
                        "end_at": end_at,
                        "drain_seconds": 30,
                    }
                ],
                nice=args.nice,
            )
            log(f"posting {args.rate}/s for {args.warmup}+{args.duration} s")
            time.sleep(max(0.0, measure_from - time.monotonic()))
            cpu = harness.CpuWindow(server.pid, args.database_url)
            harness.renice_postgres(args.database_url, args.nice)
            cpu.start()
            for pipe in agents_load.pipes:
                pipe.send("measure")
            profiler = (
                harness.Profiler(
                    server.pid,
                    Path(f"{args.profile}.txt"),
                    seconds=args.duration - 1,
                    gil=args.profile_gil,
                )
                if args.profile
                else None
            )
            time.sleep(max(0.0, end_at - time.monotonic()))
            cpu.stop()
            for pipe in agents_load.pipes:
                pipe.send("measured")
            post = poster.results()[0]
            log(f"  posted; waiting {args.grace} s for late events")
            time.sleep(args.grace)
            for pipe in agents_load.pipes:
                pipe.send("stop")
            reports = agents_load.results()
            agents_load = None
        finally:
            if agents_load is not None:
                agents_load.stop()
            harness.stop_server(server)
        errors = harness.server_errors(server)
        if errors:
            result["server_errors"] = errors

    generator = post["cpu_seconds"] + sum(r["cpu_seconds"] for r in reports)
    result["cpu_percent_of_one_core"] = cpu.add_generator(generator, args.duration) | {
        "generator_note": "poster + websocket client processes",
        "machine_busy_before_start": busy_before,
    }
    deliveries = [d for r in reports for d in r["deliveries"]]
    expected_for = {
        i: desk.members[inbox_of_conversation[i % len(inbox_of_conversation)]]
        for i in range(post["scheduled"])
    }
    checks = check_deliveries(post["each"], deliveries, expected_for, measure_from)
    result["posts"] = {
        "rate_per_second": args.rate,
        "scheduled": post["scheduled"],
        "accepted": post["accepted_total"],
        "failed": post["failed_total"] + post["lost_connections"],
        "unanswered_at_end": post["unanswered"],
        "statuses": post["statuses"],
        "latency_from_schedule_ms": harness.percentiles(post["latencies"]),
        "max_client_backlog": post["max_client_backlog"],
    }
    measured_posts = sum(v for k, v in post["statuses"].items() if k.startswith("2"))
    server_seconds = cpu.figures["server_percent"] / 100 * cpu.figures["wall_seconds"]
    result["server_cpu_ms_per_post"] = (
        round(1000 * server_seconds / measured_posts, 3) if measured_posts else None
    )
    result["deliveries"] = checks
    result["sockets_closed_early"] = sum(len(r["closed_early"]) for r in reports)
    result["other_event_types"] = dict(sum((Counter(r["other_types"]) for r in reports), Counter()))
    if profiler is not None:
        result["profile"] = profiler.finish()
    p99 = checks["latency_from_post_sent_ms"].get("p99")
    result["summary"] = {
        "p99_ms_from_post_sent": p99,
        "p99_ms_from_post_answered": checks["latency_from_post_answered_ms"].get("p99"),
        "p99_goal_met": p99 is not None and p99 < GOAL_P99_MS,
        "no_lost_events": checks["no_lost_events"],
    }
    log(
        f"deliveries: expected {checks['expected_deliveries']}, received "
        f"{checks['received_deliveries']}, missing {checks['missing']}, p99 {p99} ms"
    )
    harness.emit(result)


if __name__ == "__main__":
    main()
