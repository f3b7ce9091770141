"""Benchmark: website chat visitors speaking the widget protocol, agents answering.

    python bench/widget_load.py [--visitors 2000 --interval 10 --reply-rate 20 --duration 30]

Starts everything itself: a fresh database in a temp dir (or a reset PostgreSQL schema), a desk
of `--agents` agents spread round-robin over `--inboxes` webchat inboxes (allowed site
shop.example.com), the server as a separate process (`frontdesk serve`, as shipped: the widget's
rate limits on), the agents' websockets (`/api/v1/ws`, the `websockets` library, as
realtime_fanout.py opens them), and `--visitors` visitors in `--visitor-procs` processes.

Each visitor does what the widget script does: `POST /widget/v1/<inbox>/sessions` (with the
site's Origin), opens the visitor websocket (`/widget/v1/<inbox>/ws?token=`), writes a first
message (its conversation starts; not timed), then, in the measured window, one `message`
frame every `--interval` seconds (each visitor at its own phase) with a unique marker and a
client id. Each visitor has its own source address (127.0.x.y): the per-address limits count
every visitor on its own, as they would on the Internet. Meanwhile one process posts agents'
replies through the REST API, open loop at `--reply-rate`/s, round-robin over the visitors'
conversations, each by an agent of the conversation's inbox.

Checked exactly: every visitor message acknowledged (`message.ack`) reaches every agent who can
see its inbox once (`message.created` on their websocket): expected, received, missing,
duplicated, unexpected; every accepted reply reaches its visitor's socket once; the database
holds every acknowledged message once. Latency: visitor frame sent → the agent's websocket
received `message.created` (the goal: p99 < 50 ms), and sent → `message.ack`; reply POST sent →
the visitor received it. Also: widget.js gzipped, and, with `--baseline` (default), a
realtime_fanout.py run right after on the same machine, as the baseline of the same run.
Timestamps are time.monotonic() (system-wide on Linux) in every process.

Prints one JSON object on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import os
import random
import secrets
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import harness
from harness import log
from realtime_fanout import agents_process, check_deliveries

GOAL_P99_MS = 50.0
GOAL_VISITORS = 2000
SITE = "https://shop.example.com"
# A visitor message's index: visitor k's n-th message is k * STRIDE + n.
STRIDE = 100_000


# --------------------------------------------------------------------------- seeding
@dataclass
class WidgetDesk:
    workspace_id: int
    agent_ids: list[int]
    tokens: dict[int, str]
    inboxes: list[tuple[int, str]]  # (inbox id, public id)
    members: dict[int, list[int]]  # inbox id -> user ids that can see it (from the app)


def seed(database_url: str, *, inboxes: int, agents: int) -> WidgetDesk:
    """A workspace with `agents` agents, agent k a member of webchat inbox k % inboxes, one API
    token each. Written through the services, like the app does."""
    # The webchat inbox's settings are checked by the widget's package (imported with it).
    import frontdesk.channels.webchat.service  # noqa: F401
    from frontdesk.auth import service as auth_service
    from frontdesk.core.db import Database, UnitOfWork
    from frontdesk.core.principal import Principal, Role
    from frontdesk.inboxes import service as inbox_service
    from frontdesk.inboxes.schemas import ChannelType, InboxCreate
    from frontdesk.team import service as team_service
    from frontdesk.team.schemas import UserCreate

    db = Database(database_url)
    try:

        def build(uow: UnitOfWork) -> WidgetDesk:
            ws = team_service.create_workspace(uow, name="Bench", slug="bench")
            agent_ids, tokens = [], {}
            for k in range(agents):
                user = team_service.create_user(
                    uow,
                    workspace_id=ws.id,
                    data=UserCreate(
                        email=f"agent{k}@bench.example.com", name=f"Agent {k}", role=Role.agent
                    ),
                )
                agent_ids.append(user.id)
                tokens[user.id] = auth_service.create_token(uow, user_id=user.id, name="b").token
            made = []
            for i in range(inboxes):
                inbox = inbox_service.create_inbox(
                    uow,
                    workspace_id=ws.id,
                    data=InboxCreate(
                        name=f"Website {i}",
                        channel_type=ChannelType.webchat,
                        member_ids=[agent_ids[k] for k in range(i, agents, inboxes)],
                        settings={"allowed_domains": ["shop.example.com"], "title": "Shop"},
                    ),
                )
                made.append((inbox.id, inbox.public_id))
            return WidgetDesk(ws.id, agent_ids, tokens, made, {})

        desk = db.write_sync(build)

        def visibility(session: Any) -> dict[int, list[int]]:
            seen: dict[int, list[int]] = {i: [] for i, _ in desk.inboxes}
            for user_id in desk.agent_ids:
                principal = Principal(
                    user_id=user_id, workspace_id=desk.workspace_id, role=Role.agent, via="token"
                )
                for inbox_id in team_service.visible_inbox_ids(session, principal=principal):
                    seen.setdefault(inbox_id, []).append(user_id)
            return seen

        desk.members = db.read_sync(visibility)
    finally:
        db.close()
    return desk


def query(database_url: str, sql: str, **params: Any) -> list[Any]:
    from sqlalchemy import text

    from frontdesk.core.db import Database

    db = Database(database_url)
    try:
        return db.read_sync(lambda s: list(s.execute(text(sql), params)))
    finally:
        db.close()


def address_of(k: int) -> str:
    """Visitor k's own source address on the loopback network (127.0.1.1, 127.0.1.2, ...)."""
    return f"127.0.{1 + k // 250}.{1 + k % 250}"


# --------------------------------------------------------------------------- visitors
def visitors_process(conf: dict[str, Any], pipe: Any) -> None:
    harness.use_uvloop()
    asyncio.run(_visitors(conf, pipe))


async def _post(port: int, address: str, path: str, body: bytes) -> tuple[int, bytes]:
    """One HTTP/1.1 POST from `address`, as the widget script sends it from the site."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(address, 0))
    try:
        writer.write(
            (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: {SITE}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n"
            ).encode()
            + body
        )
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        return status, await reader.readexactly(length)
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


async def _visitors(conf: dict[str, Any], pipe: Any) -> None:
    import orjson
    from websockets.asyncio.client import connect

    port: int = conf["port"]
    marker: str = conf["marker"]
    warm: str = conf["warm_marker"]
    filler = "x" * conf["filler"]
    frames: list[tuple[int, float, bytes | str]] = []  # (visitor, arrival, frame)
    sent: dict[int, tuple[float, float]] = {}  # message index -> (scheduled, sent)
    acked: dict[str, float] = {}  # client id -> ack arrival
    warmed: dict[int, asyncio.Event] = {}
    failures: Counter[str] = Counter()
    closed_early: list[int] = []
    sockets: dict[int, Any] = {}
    readers: list[asyncio.Task[None]] = []
    gate = asyncio.Semaphore(conf["connect_concurrency"])
    stopping = False

    async def reader(k: int, ws: Any) -> None:
        try:
            async for frame in ws:
                now = time.monotonic()
                if '"message.ack"' in frame[:40]:
                    client_id = orjson.loads(frame)["data"].get("client_id") or ""
                    acked[client_id] = now
                    if client_id == f"w{k}":
                        warmed[k].set()
                else:
                    frames.append((k, now, frame))
        except Exception:  # a socket closed under us: the missing messages will show it
            pass
        if not stopping:
            closed_early.append(k)

    async def open_one(k: int, public_id: str) -> None:
        address = address_of(k)
        async with gate:
            try:
                status, body = await _post(
                    port, address, f"/widget/v1/{public_id}/sessions", b'{"language": "en"}'
                )
                if status != 200:
                    failures[f"session {status}"] += 1
                    return
                token = orjson.loads(body)["token"]
                ws = await connect(
                    f"ws://127.0.0.1:{port}/widget/v1/{public_id}/ws?token={token}",
                    origin=SITE,  # type: ignore[arg-type]
                    compression="deflate" if conf["compression"] else None,
                    ping_interval=None,
                    max_queue=None,
                    open_timeout=30,
                    local_addr=(address, 0),
                )
                ready = await asyncio.wait_for(ws.recv(), timeout=30)
                if '"ready"' not in ready:
                    failures["no ready frame"] += 1
                    await ws.close()
                    return
            except Exception as exc:
                failures[type(exc).__name__] += 1
                return
            warmed[k] = asyncio.Event()
            sockets[k] = ws
            readers.append(asyncio.create_task(reader(k, ws)))
            # The first message starts the visitor's conversation (not timed).
            await ws.send(
                orjson.dumps(
                    {"type": "message", "client_id": f"w{k}", "content": f"{warm}{k} hello"}
                ).decode()
            )
            try:
                await asyncio.wait_for(warmed[k].wait(), timeout=60)
            except TimeoutError:
                failures["first message not acknowledged"] += 1

    started = time.monotonic()
    await asyncio.gather(*(open_one(k, public_id) for k, public_id in conf["visitors"]))
    pipe.send(
        {
            "connected": len(sockets),
            "failures": dict(failures),
            "seconds": time.monotonic() - started,
        }
    )
    loop = asyncio.get_running_loop()
    window: dict[str, float] = await loop.run_in_executor(None, pipe.recv)
    start_at, end_at, interval = window["start_at"], window["end_at"], window["interval"]
    rng = random.Random(conf["seed"])

    async def talk(k: int, ws: Any) -> None:
        phase = rng.random() * interval
        n = 0
        while True:
            scheduled = start_at + phase + n * interval
            if scheduled >= end_at:
                return
            await asyncio.sleep(max(0.0, scheduled - time.monotonic()))
            index = k * STRIDE + n
            frame = orjson.dumps(
                {
                    "type": "message",
                    "client_id": f"m{index}",
                    "content": f"{marker}{index} {filler}",
                }
            ).decode()
            sent[index] = (scheduled, time.monotonic())
            try:
                await ws.send(frame)
            except Exception:
                failures["send failed"] += 1
                return
            n += 1

    cpu0 = harness.self_cpu_seconds()
    await asyncio.gather(*(talk(k, ws) for k, ws in sockets.items()))
    cpu = harness.self_cpu_seconds() - cpu0
    await loop.run_in_executor(None, pipe.recv)  # the grace time is over
    stopping = True
    for ws in sockets.values():
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.close(), timeout=5)
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)

    reply_marker: str = conf["reply_marker"]
    replies: list[tuple[int, int, float]] = []  # (reply index, visitor, arrival)
    kinds: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for k, arrived, raw in frames:
        event = orjson.loads(raw)
        kind = event["type"]
        data = event.get("data") or {}
        content = data.get("content") or ""
        if kind == "message" and data.get("author") == "agent" and content.startswith(reply_marker):
            replies.append((int(content[len(reply_marker) :].split(" ", 1)[0]), k, arrived))
        else:
            kinds[kind] += 1
            if kind == "error":
                errors[str(data.get("code"))] += 1
    messages = [
        (index, scheduled, at, acked.get(f"m{index}", at), 200 if f"m{index}" in acked else -1)
        for index, (scheduled, at) in sent.items()
    ]
    pipe.send(
        {
            "messages": messages,
            "replies": replies,
            "other_frames": dict(kinds),
            "error_frames": dict(errors),
            "failures": dict(failures),
            "closed_early": closed_early,
            "cpu_seconds": cpu,
        }
    )


# --------------------------------------------------------------------------- agents' replies
def replies_process(conf: dict[str, Any], pipe: Any) -> None:
    harness.use_uvloop()
    targets: list[tuple[str, str]] = conf["targets"]
    marker: str = conf["marker"]
    filler = "x" * conf["filler"]
    port: int = conf["port"]

    def request_for(i: int) -> bytes:
        path, token = targets[i % len(targets)]
        return harness.post_request(
            path, token, f'{{"content": "{marker}{i} {filler}"}}'.encode(), port
        )

    pipe.send(asyncio.run(harness.open_loop_engine(conf, request_for, record_each=True)))


# --------------------------------------------------------------------------- the widget's size
def widget_size() -> dict[str, Any]:
    """The script a site loads (the loader, then the bundle), gzipped as the test measures it."""
    from frontdesk.channels.webchat import script

    bundle = script.bundle_name()
    if bundle is None:
        return {"error": "the widget is not built (npm ci && npm run build in web/widget)"}
    code = (script.WIDGET_DIR / bundle).read_bytes()
    loader = script.loader(bundle).encode()
    return {
        "bundle": bundle,
        "bundle_bytes": len(code),
        "bundle_gzip_bytes": len(gzip.compress(code, compresslevel=9)),
        "loader_gzip_bytes": len(gzip.compress(loader, compresslevel=9)),
        "budget_gzip_bytes": 30 * 1024,
    }


def baseline(args: argparse.Namespace) -> dict[str, Any]:
    """realtime_fanout.py with its defaults, right after, on the same machine and database."""
    command = [sys.executable, str(Path(__file__).with_name("realtime_fanout.py"))]
    if args.database_url:
        command += ["--database-url", args.database_url]
    command += ["--quiet-wait", str(args.quiet_wait), "--server", args.server]
    if args.nice:
        command += ["--nice", str(args.nice)]
    log(f"baseline: {' '.join(Path(c).name if i < 2 else c for i, c in enumerate(command))}")
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        return {"error": done.stderr[-2000:]}
    out = json.loads(done.stdout)
    return {
        "command": " ".join(["python bench/realtime_fanout.py", *command[2:]]),
        "summary": out["summary"],
        "websockets": out["websockets"],
        "posts_per_second": out["posts"]["rate_per_second"],
        "expected_deliveries": out["deliveries"]["expected_deliveries"],
        "latency_from_post_sent_ms": out["deliveries"]["latency_from_post_sent_ms"],
        "cpu_percent_of_one_core": out["cpu_percent_of_one_core"],
    }


# --------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite in a temp dir)")
    parser.add_argument("--redis-url", help="run the server with the Redis bus")
    parser.add_argument("--visitors", type=int, default=GOAL_VISITORS)
    parser.add_argument(
        "--interval",
        type=float,
        default=10.0,
        help="seconds between a visitor's messages (2,000 visitors: 200 messages/s, the rate"
        " realtime_fanout.py posts at)",
    )
    parser.add_argument("--agents", type=int, default=40, help="agents, one websocket each")
    parser.add_argument("--inboxes", type=int, default=20, help="webchat inboxes")
    parser.add_argument("--reply-rate", type=float, default=20.0, help="agents' replies per s")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds sent first, not timed")
    parser.add_argument("--grace", type=float, default=3.0, help="seconds to wait for late ones")
    parser.add_argument("--visitor-procs", type=int, default=4, help="visitor processes")
    parser.add_argument("--agent-procs", type=int, default=1, help="agent websocket processes")
    parser.add_argument("--connect-concurrency", type=int, default=25, help="per process")
    parser.add_argument("--post-connections", type=int, default=16, help="reply poster's pool")
    parser.add_argument("--content-chars", type=int, default=100)
    parser.add_argument(
        "--compression",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="offer permessage-deflate like browsers do",
    )
    parser.add_argument(
        "--server-compression",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="accept permessage-deflate on the server (FRONTDESK_WS_COMPRESSION; off as shipped)",
    )
    parser.add_argument(
        "--baseline",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run realtime_fanout.py right after, as this run's baseline",
    )
    harness.add_server_arguments(parser)
    parser.add_argument("--quiet-wait", type=float, default=60.0)
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="run the server, its PostgreSQL backends and the load at this nice value (e.g."
        " -10 as root), as realtime_fanout.py does: measures the server rather than the"
        " neighbours on a shared machine (the baseline run gets the same)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args()

    result: dict[str, Any] = {
        "benchmark": "widget_load",
        "source": harness.source_state(),
        "machine": {"cpus": os.cpu_count()},
        "options": vars(args),
        "goals": {"visitors": GOAL_VISITORS, "p99_ms": GOAL_P99_MS, "lost_messages": 0},
        "clients": f"websockets {__import__('websockets').__version__}: visitors in "
        f"{args.visitor_procs} processes (each from its own 127.0.x.y), agents in "
        f"{args.agent_procs}; replies: python asyncio (uvloop) raw HTTP/1.1, open loop",
        "widget_js": widget_size(),
    }
    marker = f"wv-{secrets.token_hex(4)}-"
    warm_marker = f"ww-{secrets.token_hex(4)}-"
    reply_marker = f"wr-{secrets.token_hex(4)}-"
    filler = max(0, args.content_chars - 30)
    with harness.workdir(args.database_url, keep=args.keep) as work:
        result["database"] = "sqlite" if work.is_sqlite else "postgresql"
        log(f"seeding {args.agents} agents over {args.inboxes} webchat inboxes")
        desk = seed(work.database_url, inboxes=args.inboxes, agents=args.agents)
        server = harness.start_server(
            work,
            mode=args.server,
            redis_url=args.redis_url,
            app_factory=args.app_factory,
            nice=args.nice,
            extra_env={"FRONTDESK_WS_COMPRESSION": "true" if args.server_compression else "false"},
        )
        result["server_command"] = " ".join(
            Path(c).name if i == 0 else c for i, c in enumerate(server.command)
        )
        agents_load: harness.LoadProcesses | None = None
        visitors_load: harness.LoadProcesses | None = None
        try:
            agents = [(u, desk.tokens[u]) for u in desk.agent_ids]
            log(f"opening {len(agents)} agent websockets")
            agents_load = harness.LoadProcesses(
                agents_process,
                [
                    {
                        "port": server.port,
                        "marker": marker,
                        "agents": agents[p :: args.agent_procs],
                        "connect_concurrency": args.connect_concurrency,
                        "compression": args.compression,
                    }
                    for p in range(args.agent_procs)
                ],
                duplex=True,
                nice=args.nice,
            )
            opened = [pipe.recv() for pipe in agents_load.pipes]
            result["agent_websockets"] = {
                "connected": sum(o["connected"] for o in opened),
                "failures": dict(sum((Counter(o["failures"]) for o in opened), Counter())),
            }

            visitors = [(k, desk.inboxes[k % len(desk.inboxes)][1]) for k in range(args.visitors)]
            log(f"starting {len(visitors)} visitors (session, websocket, first message)")
            visitors_load = harness.LoadProcesses(
                visitors_process,
                [
                    {
                        "port": server.port,
                        "marker": marker,
                        "warm_marker": warm_marker,
                        "reply_marker": reply_marker,
                        "filler": filler,
                        "visitors": visitors[p :: args.visitor_procs],
                        "connect_concurrency": args.connect_concurrency,
                        "compression": args.compression,
                        "seed": p,
                    }
                    for p in range(args.visitor_procs)
                ],
                duplex=True,
                nice=args.nice,
            )
            ready = [pipe.recv() for pipe in visitors_load.pipes]
            result["visitor_websockets"] = {
                "connected": sum(r["connected"] for r in ready),
                "failures": dict(sum((Counter(r["failures"]) for r in ready), Counter())),
                "start_seconds": round(max(r["seconds"] for r in ready), 2),
            }
            log(
                f"  {result['visitor_websockets']['connected']} visitors ready in "
                f"{result['visitor_websockets']['start_seconds']} s"
            )

            # Each visitor's conversation, from its first message (for the agents' replies).
            rows = query(
                work.database_url,
                "SELECT conversation_id, inbox_id, content FROM messages WHERE content LIKE :m",
                m=f"{warm_marker}%",
            )
            conversations = sorted(
                (int(r.content[len(warm_marker) :].split(" ", 1)[0]), r.conversation_id, r.inbox_id)
                for r in rows
            )
            targets = []
            visitor_of = []
            for j, (k, conversation_id, inbox_id) in enumerate(conversations):
                members = desk.members[inbox_id]
                poster = members[j % len(members)]
                targets.append(
                    (f"/api/v1/conversations/{conversation_id}/messages", desk.tokens[poster])
                )
                visitor_of.append(k)

            busy_before = harness.wait_for_quiet(args.quiet_wait)
            start_at = time.monotonic() + 2.0
            measure_from = start_at + args.warmup
            end_at = measure_from + args.duration
            window = {"start_at": start_at, "end_at": end_at, "interval": args.interval}
            for pipe in visitors_load.pipes:
                pipe.send(window)
            replies_load = harness.LoadProcesses(
                replies_process,
                [
                    {
                        "port": server.port,
                        "marker": reply_marker,
                        "targets": targets,
                        "filler": filler,
                        "rate": args.reply_rate,
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
            rate = len(targets) / args.interval
            log(f"visitors write ~{rate:.0f} messages/s, agents reply {args.reply_rate}/s")
            time.sleep(max(0.0, measure_from - time.monotonic()))
            cpu = harness.CpuWindow(server.pid, args.database_url)
            harness.renice_postgres(args.database_url, args.nice)
            cpu.start()
            for pipe in agents_load.pipes:
                pipe.send("measure")
            time.sleep(max(0.0, end_at - time.monotonic()))
            cpu.stop()
            for pipe in agents_load.pipes:
                pipe.send("measured")
            posted = replies_load.results()[0]
            log(f"  done; waiting {args.grace} s for late messages")
            time.sleep(args.grace)
            for pipe in [*agents_load.pipes, *visitors_load.pipes]:
                pipe.send("stop")
            agent_reports = agents_load.results()
            visitor_reports = visitors_load.results()
            agents_load = visitors_load = None
            stored = query(
                work.database_url,
                "SELECT count(*) AS n, count(DISTINCT external_id) AS distinct_ids"
                " FROM messages WHERE kind = 'incoming' AND content LIKE :m",
                m=f"{marker}%",
            )[0]
        finally:
            for load in (agents_load, visitors_load):
                if load is not None:
                    load.stop()
            harness.stop_server(server)
        errors = harness.server_errors(server)
        if errors:
            result["server_errors"] = errors

    messages = [m for r in visitor_reports for m in r["messages"]]
    generator = (
        posted["cpu_seconds"]
        + sum(r["cpu_seconds"] for r in agent_reports)
        + sum(r["cpu_seconds"] for r in visitor_reports)
    )
    result["cpu_percent_of_one_core"] = cpu.add_generator(generator, args.duration) | {
        "generator_note": "visitor, agent and reply processes",
        "machine_busy_before_start": busy_before,
    }
    # Visitor messages: every acknowledged one at every agent who can see its inbox.
    inbox_of_visitor = {k: desk.inboxes[k % len(desk.inboxes)][0] for k in range(args.visitors)}
    expected_for = {m[0]: desk.members[inbox_of_visitor[m[0] // STRIDE]] for m in messages}
    deliveries = [d for r in agent_reports for d in r["deliveries"]]
    to_agents = check_deliveries(messages, deliveries, expected_for, measure_from)
    acked = [m for m in messages if m[4] == 200]
    measured = [m for m in acked if m[1] >= measure_from]
    result["visitor_messages"] = {
        "per_second": round(len(targets) / args.interval, 1),
        "sent": len(messages),
        "acknowledged": len(acked),
        "stored": stored.n,
        "stored_distinct": stored.distinct_ids,
        "no_acknowledged_message_lost": stored.n == stored.distinct_ids == len(acked),
        "ack_latency_from_sent_ms": harness.percentiles([(m[3] - m[2]) * 1000 for m in measured]),
    }
    result["deliveries_to_agents"] = to_agents
    # Agents' replies: every accepted one at its visitor.
    reply_expected = {i: [visitor_of[i % len(visitor_of)]] for i in range(posted["scheduled"])}
    replies = [d for r in visitor_reports for d in r["replies"]]
    to_visitors = check_deliveries(posted["each"], replies, reply_expected, measure_from)
    result["replies"] = {
        "rate_per_second": args.reply_rate,
        "accepted": posted["accepted_total"],
        "failed": posted["failed_total"] + posted["lost_connections"],
        "statuses": posted["statuses"],
        "latency_from_schedule_ms": harness.percentiles(posted["latencies"]),
    }
    result["deliveries_to_visitors"] = to_visitors
    result["visitor_sockets_closed_early"] = sum(len(r["closed_early"]) for r in visitor_reports)
    result["visitor_failures"] = dict(
        sum((Counter(r["failures"]) for r in visitor_reports), Counter())
    )
    result["visitor_error_frames"] = dict(
        sum((Counter(r["error_frames"]) for r in visitor_reports), Counter())
    )
    result["visitor_other_frames"] = dict(
        sum((Counter(r["other_frames"]) for r in visitor_reports), Counter())
    )
    result["agent_sockets_closed_early"] = sum(len(r["closed_early"]) for r in agent_reports)
    result["agent_other_events"] = dict(
        sum((Counter(r["other_types"]) for r in agent_reports), Counter())
    )
    p99 = to_agents["latency_from_post_sent_ms"].get("p99")
    connected = result["visitor_websockets"]["connected"]
    result["summary"] = {
        "visitors": connected,
        "visitor_messages_per_second": result["visitor_messages"]["per_second"],
        "p99_ms_visitor_to_agent": p99,
        "p99_ms_reply_to_visitor": to_visitors["latency_from_post_sent_ms"].get("p99"),
        "p99_goal_met": p99 is not None and p99 < GOAL_P99_MS and connected >= GOAL_VISITORS,
        "no_lost_messages": to_agents["no_lost_events"]
        and to_visitors["no_lost_events"]
        and result["visitor_messages"]["no_acknowledged_message_lost"]
        and len(acked) == len(messages),
        "widget_js_gzip_bytes": result["widget_js"].get("bundle_gzip_bytes"),
    }
    log(
        f"visitor → agent: expected {to_agents['expected_deliveries']}, received "
        f"{to_agents['received_deliveries']}, missing {to_agents['missing']}, p99 {p99} ms"
    )
    if args.baseline:
        result["baseline_realtime_fanout"] = baseline(args)
    harness.emit(result)


if __name__ == "__main__":
    main()
