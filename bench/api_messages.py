"""Benchmark: agents posting messages through the REST API.

    python bench/api_messages.py [--database-url postgresql://postgres@127.0.0.1:5432/bench_x]

Starts everything itself: a fresh database in a temp dir (or a reset PostgreSQL schema), a
seeded desk, the server as a separate process (`frontdesk serve`), and load processes on
127.0.0.1 that write pre-built HTTP/1.1 requests on keep-alive connections and parse only the
status line. Phases, all against the same server:

  baseline     raw sqlite3 INSERT + COMMIT per row on the same disk (the app's
               PRAGMA synchronous, and NORMAL for comparison); raw psycopg on PostgreSQL
  closed loop  N connections each posting the next message as soon as the last one is
               answered: the most messages/s the server sustains, with latency
  open loop    messages sent on a fixed schedule (--rate/s) whatever the answers; latency
               counted from the scheduled send time, so a stall is not hidden
               (no coordinated omission)
  no loss      after the server stopped: messages in the database == 2xx responses

Prints one JSON object on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from array import array
from collections import Counter
from pathlib import Path
from typing import Any

import harness
from harness import HttpConnection, log

GOAL_SUSTAINED_PER_SECOND = 2000
GOAL_OPEN_LOOP_P99_MS = 50.0


# --------------------------------------------------------------------------- load processes


def run_phase(
    args: argparse.Namespace,
    pid: int,
    process: Any,
    confs: list[dict[str, Any]],
    profile: Path | None,
    measure_from: float,
    end_at: float,
) -> tuple[harness.CpuWindow, Any, list[dict[str, Any]]]:
    """Start the load processes, measure CPU (and profile) over the window, collect results."""
    cpu = harness.CpuWindow(pid, args.database_url)
    load = harness.LoadProcesses(process, confs, nice=args.nice)
    time.sleep(max(0.0, measure_from - time.monotonic()))
    harness.renice_postgres(args.database_url, args.nice)
    cpu.start()
    profiler = (
        harness.Profiler(pid, profile, seconds=args.duration - 1, gil=args.profile_gil)
        if profile is not None
        else None
    )
    time.sleep(max(0.0, end_at - time.monotonic()))
    cpu.stop()
    return cpu, profiler, load.results()


def closed_loop_process(conf: dict[str, Any], pipe: Any) -> None:
    harness.use_uvloop()
    pipe.send(asyncio.run(_closed_loop(conf)))
    pipe.close()


async def _closed_loop(conf: dict[str, Any]) -> dict[str, Any]:
    requests: list[list[bytes]] = conf["requests"]  # one list per connection, cycled
    measure_from: float = conf["measure_from"]
    end_at: float = conf["end_at"]
    latencies: array[float] = array("d")
    answered_at: array[float] = array("d")  # for finding stalls in time
    statuses: Counter[int] = Counter()
    window_accepted = 0
    accepted_total = 0
    failed_total = 0
    lost = 0
    position = [0] * len(requests)
    active = len(requests)
    finished = asyncio.get_running_loop().create_future()

    def done_one() -> None:
        nonlocal active
        active -= 1
        if active == 0 and not finished.done():
            finished.set_result(None)

    def on_response(conn: HttpConnection, status: int, _body: bytes) -> None:
        nonlocal window_accepted, accepted_total, failed_total
        now = time.monotonic()
        sent = conn.tag[1]
        if 200 <= status < 300:
            accepted_total += 1
        else:
            failed_total += 1
        if measure_from <= now < end_at:
            latencies.append((now - sent) * 1000)
            answered_at.append(now)
            statuses[status] += 1
            if 200 <= status < 300:
                window_accepted += 1
        if now < end_at and status != -1:
            index = conn.tag[0]
            position[index] += 1
            mine = requests[index]
            conn.send(mine[position[index] % len(mine)], (index, time.monotonic()))
        else:
            done_one()

    def on_lost(conn: HttpConnection) -> None:
        nonlocal lost
        if conn.busy:
            lost += 1
            done_one()

    conns = await harness.open_connections(conf["port"], len(requests), on_response, on_lost)
    await asyncio.sleep(max(0.0, conf["start_at"] - time.monotonic()))
    for index, conn in enumerate(conns):
        conn.send(requests[index][0], (index, time.monotonic()))
    await asyncio.sleep(max(0.0, measure_from - time.monotonic()))
    cpu0 = harness.self_cpu_seconds()
    await asyncio.sleep(max(0.0, end_at - time.monotonic()))
    cpu = harness.self_cpu_seconds() - cpu0
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(finished, timeout=30)
    in_flight = sum(1 for c in conns if c.busy)
    for conn in conns:
        if conn.transport is not None:
            conn.transport.close()
    return harness.worker_result(
        latencies,
        answered_at=list(answered_at),
        statuses={str(k): v for k, v in statuses.items()},
        window_accepted=window_accepted,
        accepted_total=accepted_total,
        failed_total=failed_total,
        lost_connections=lost,
        unanswered=in_flight,
        cpu_seconds=cpu,
    )


def open_loop_process(conf: dict[str, Any], pipe: Any) -> None:
    harness.use_uvloop()
    pipe.send(asyncio.run(_open_loop(conf)))
    pipe.close()


async def _open_loop(conf: dict[str, Any]) -> dict[str, Any]:
    requests: list[bytes] = conf["requests"]
    n = len(requests)
    return await harness.open_loop_engine(conf, lambda i: requests[i % n])


def cpu_per_message(cpu: harness.CpuWindow, messages: int) -> float | None:
    """Server CPU per accepted message: unlike throughput, hardly moved by other work on the
    machine, so runs on a busy machine still compare."""
    if not messages:
        return None
    seconds = float(cpu.figures["server_percent"]) / 100 * float(cpu.figures["wall_seconds"])
    return round(1000 * seconds / messages, 3)


def merge_counts(results: list[dict[str, Any]], key: str) -> dict[str, int]:
    total: Counter[str] = Counter()
    for r in results:
        total.update(r[key])
    return dict(total)


# --------------------------------------------------------------------------- phases
def closed_loop(
    args: argparse.Namespace,
    port: int,
    requests: list[bytes],
    connections: int,
    pid: int,
    profile: Path | None,
) -> dict[str, Any]:
    procs = min(args.procs, connections)
    per_conn = [requests[c::connections] for c in range(connections)]
    busy_before = harness.wait_for_quiet(args.quiet_wait)
    start_at = time.monotonic() + 2.0  # time for the processes to start and connect
    measure_from = start_at + args.warmup
    end_at = measure_from + args.duration
    confs = [
        {
            "port": port,
            "requests": per_conn[p::procs],
            "start_at": start_at,
            "measure_from": measure_from,
            "end_at": end_at,
        }
        for p in range(procs)
    ]
    log(f"closed loop: {connections} connections, {args.warmup}+{args.duration} s")
    cpu, profiler, results = run_phase(
        args, pid, closed_loop_process, confs, profile, measure_from, end_at
    )
    latencies = [x for r in results for x in r["latencies"]]
    answered_at = [x for r in results for x in r["answered_at"]]
    generator_cpu = sum(r["cpu_seconds"] for r in results)
    window_accepted = sum(r["window_accepted"] for r in results)
    out = {
        "connections": connections,
        "load_processes": procs,
        "seconds": args.duration,
        "accepted_per_second": round(window_accepted / args.duration, 1),
        "latency_ms": harness.percentiles(latencies),
        "stalls": harness.stalls(answered_at, latencies),
        "statuses": merge_counts(results, "statuses"),
        "errors": sum(r["failed_total"] + r["lost_connections"] for r in results),
        "accepted_total": sum(r["accepted_total"] for r in results),
        "unanswered_at_end": sum(r["unanswered"] for r in results),
        "cpu_percent_of_one_core": cpu.add_generator(generator_cpu, args.duration)
        | {"machine_busy_before_start": busy_before},
        "server_cpu_ms_per_message": cpu_per_message(cpu, window_accepted),
    }
    if profiler is not None:
        out["profile"] = profiler.finish()
    log(
        f"  {out['accepted_per_second']}/s, p50 {out['latency_ms'].get('p50')} ms, "
        f"p99 {out['latency_ms'].get('p99')} ms, errors {out['errors']}"
    )
    return out


def open_loop(
    args: argparse.Namespace, port: int, requests: list[bytes], pid: int, profile: Path | None
) -> dict[str, Any]:
    procs = args.procs
    rate = args.rate / procs
    busy_before = harness.wait_for_quiet(args.quiet_wait)
    start_at = time.monotonic() + 2.0
    measure_from = start_at + args.warmup
    end_at = measure_from + args.duration
    confs = [
        {
            "port": port,
            "requests": requests[p::procs],
            "rate": rate,
            # Processes interleave their schedules so that the sum is evenly spaced.
            "offset": p / args.rate,
            "pool": max(1, args.open_loop_connections // procs),
            "start_at": start_at,
            "measure_from": measure_from,
            "end_at": end_at,
        }
        for p in range(procs)
    ]
    log(f"open loop: {args.rate} messages/s, {args.warmup}+{args.duration} s")
    cpu, profiler, results = run_phase(
        args, pid, open_loop_process, confs, profile, measure_from, end_at
    )
    from_schedule = [x for r in results for x in r["latencies"]]
    from_send = [x for r in results for x in r["from_send"]]
    generator_cpu = sum(r["cpu_seconds"] for r in results)
    statuses = merge_counts(results, "statuses")
    measured_ok = sum(v for k, v in statuses.items() if k.startswith("2"))
    out = {
        "rate_per_second": args.rate,
        "seconds": args.duration,
        "load_processes": procs,
        "client_connections": args.open_loop_connections,
        "latency_from_schedule_ms": harness.percentiles(from_schedule),
        "latency_from_send_ms": harness.percentiles(from_send),
        "accepted_per_second": round(measured_ok / args.duration, 1),
        "statuses": statuses,
        "errors": sum(r["failed_total"] + r["lost_connections"] for r in results),
        "scheduled_total": sum(r["scheduled"] for r in results),
        "accepted_total": sum(r["accepted_total"] for r in results),
        "unanswered_at_end": sum(r["unanswered"] for r in results),
        "max_client_backlog": max(r["max_client_backlog"] for r in results),
        "cpu_percent_of_one_core": cpu.add_generator(generator_cpu, args.duration)
        | {"machine_busy_before_start": busy_before},
        "server_cpu_ms_per_message": cpu_per_message(cpu, measured_ok),
    }
    if profiler is not None:
        out["profile"] = profiler.finish()
    lat = out["latency_from_schedule_ms"]
    log(
        f"  p50 {lat.get('p50')} ms, p99 {lat.get('p99')} ms, max {lat.get('max')} ms, "
        f"errors {out['errors']}"
    )
    return out


def postgres_commit_baseline(url: str, seconds: float) -> dict[str, Any]:
    """Raw psycopg on the same server: one INSERT + COMMIT per row."""
    import psycopg

    dsn = harness.normalize_pg_dsn(url)
    with psycopg.connect(dsn, autocommit=False) as conn:
        conn.execute(
            "CREATE TABLE bench_baseline (id bigserial PRIMARY KEY, conversation_id int,"
            " content text, created_at timestamptz)"
        )
        conn.commit()
        n = 0
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            conn.execute(
                "INSERT INTO bench_baseline (conversation_id, content, created_at)"
                " VALUES (%s, %s, now())",
                (n % 1000, "benchmark message"),
            )
            conn.commit()
            n += 1
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE bench_baseline")
        conn.commit()
    return {"commits": n, "seconds": round(elapsed, 2), "commits_per_second": round(n / elapsed)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite in a temp dir)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds measured per phase")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument(
        "--connections", default="32,64", help="closed-loop connection counts, comma-separated"
    )
    parser.add_argument("--rate", type=float, default=500.0, help="open-loop messages per second")
    parser.add_argument(
        "--open-loop-connections", type=int, default=256, help="client connection pool, open loop"
    )
    parser.add_argument("--procs", type=int, default=1, help="load-generator processes")
    parser.add_argument("--inboxes", type=int, default=10)
    parser.add_argument("--agents", type=int, default=50, help="agents, spread over the inboxes")
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--content-chars", type=int, default=200, help="message length")
    parser.add_argument("--baseline-seconds", type=float, default=3.0)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="with --server cli: `frontdesk serve --workers N` (server CPU then counts only "
        "the parent process; see machine_busy_percent)",
    )
    harness.add_server_arguments(parser)
    parser.add_argument(
        "--phases", default="closed,open", help="which load phases to run: closed,open"
    )
    parser.add_argument(
        "--profile-gil", action="store_true", help="with --profile: sample only the GIL holder"
    )
    parser.add_argument("--profile", type=Path, help="py-spy the server; raw stacks to PATH-*.txt")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        help="the machine is shared: wait up to this many seconds for other work to calm down"
        " before each phase",
    )
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="run the server, its PostgreSQL backends and the load at this nice value (e.g."
        " -10 as root): measures the server rather than the neighbours on a shared machine",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args()
    phases = set(args.phases.split(","))

    result: dict[str, Any] = {
        "benchmark": "api_messages",
        "source": harness.source_state(),
        "machine": {"cpus": __import__("os").cpu_count()},
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "goals": {
            "sustained_messages_per_second": GOAL_SUSTAINED_PER_SECOND,
            "open_loop_p99_ms_at_500_per_second": GOAL_OPEN_LOOP_P99_MS,
        },
        "load_generator": "python asyncio (uvloop) raw HTTP/1.1 keep-alive, pre-built requests,"
        " status line + Content-Length parsed; separate processes (multiprocessing spawn)",
    }
    with harness.workdir(args.database_url, keep=args.keep) as work:
        result["database"] = "sqlite" if work.is_sqlite else "postgresql"
        synchronous = harness.app_sqlite_synchronous(work.root)
        log(f"baseline: raw sqlite3 commits in {work.root} (synchronous {synchronous}, NORMAL)")
        result["baseline_sqlite3"] = [
            harness.sqlite_commit_baseline(work.root, synchronous=s, seconds=args.baseline_seconds)
            for s in dict.fromkeys([synchronous, "NORMAL"])
        ]
        if not work.is_sqlite:
            log("baseline: raw psycopg commits")
            result["baseline_postgresql"] = postgres_commit_baseline(
                work.database_url, args.baseline_seconds
            )
        log(
            f"seeding {args.agents} agents, {args.inboxes} inboxes, "
            f"{args.conversations} conversations"
        )
        desk = harness.seed(
            work.database_url,
            inboxes=args.inboxes,
            agents=args.agents,
            conversations=args.conversations,
        )
        messages_before = harness.count_rows(work.database_url, "messages")
        server = harness.start_server(
            work,
            mode=args.server,
            nice=args.nice,
            app_factory=args.app_factory,
            workers=args.workers,
        )
        result["server_command"] = " ".join(
            Path(c).name if i == 0 else c for i, c in enumerate(server.command)
        )
        try:
            filler = "x" * max(0, args.content_chars - 40)
            requests = []
            for j, (conversation_id, inbox_id) in enumerate(desk.conversations):
                poster = harness.poster_for(desk, j, inbox_id)
                body = f'{{"content": "bench message {j} {filler}"}}'.encode()
                requests.append(
                    harness.post_request(
                        f"/api/v1/conversations/{conversation_id}/messages",
                        desk.tokens[poster],
                        body,
                        server.port,
                    )
                )
            accepted = 0
            if "closed" in phases:
                result["closed_loop"] = []
                for c in [int(x) for x in args.connections.split(",") if x]:
                    profile = Path(f"{args.profile}-closed-{c}.txt") if args.profile else None
                    phase = closed_loop(args, server.port, requests, c, server.pid, profile)
                    accepted += phase["accepted_total"]
                    result["closed_loop"].append(phase)
                    time.sleep(1.0)
            if "open" in phases:
                profile = Path(f"{args.profile}-open.txt") if args.profile else None
                phase = open_loop(args, server.port, requests, server.pid, profile)
                accepted += phase["accepted_total"]
                result["open_loop"] = phase
        finally:
            harness.stop_server(server)
        errors = harness.server_errors(server)
        if errors:
            result["server_errors"] = errors
        stored = harness.count_rows(work.database_url, "messages") - messages_before
        result["no_loss"] = {
            "accepted_2xx": accepted,
            "messages_in_database": stored,
            "ok": stored == accepted,
        }
        log(f"no loss: {stored} messages stored, {accepted} accepted")
    summary: dict[str, Any] = {}
    if result.get("closed_loop"):
        best = max(result["closed_loop"], key=lambda p: p["accepted_per_second"])
        summary["sustained_messages_per_second"] = best["accepted_per_second"]
        summary["sustained_goal_met"] = best["accepted_per_second"] >= GOAL_SUSTAINED_PER_SECOND
    if "open_loop" in result:
        p99 = result["open_loop"]["latency_from_schedule_ms"].get("p99")
        summary["open_loop_p99_ms"] = p99
        summary["open_loop_goal_met"] = p99 is not None and p99 < GOAL_OPEN_LOOP_P99_MS
    summary["no_loss"] = result["no_loss"]["ok"]
    result["summary"] = summary
    harness.emit(result)


if __name__ == "__main__":
    main()
