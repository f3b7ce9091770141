"""Telegram-shaped updates posted to the desk's webhook: accepted per second, latency, no loss.

Starts `frontdesk serve` on a fresh database (SQLite in a temp dir, or PostgreSQL with
--database-url) with one Telegram inbox (its webhook secret set as `POST /inboxes/{id}/telegram/
connect` sets it) and, for the baseline, the api_messages desk (agents, inboxes, conversations).
Load processes post `POST /hooks/telegram/<public id>` with the X-Telegram-Bot-Api-Secret-Token
header and a text-message Update, each with its own update_id and message_id, from --chats
customers (a customer's first update creates their contact and conversation; the warm-up
creates them all). Phases, each 3 s warm-up + 20 s measured: the api_messages closed loop at the
same connection counts (the baseline, same server, same run), the webhook closed loop, and the
webhook open loop at --rate. At the end, every accepted update must be one stored message:
2xx answers == messages in the inbox == distinct external ids.

    python bench/inbound_webhooks.py > inbound_webhooks.json
    python bench/inbound_webhooks.py --database-url postgresql://postgres@127.0.0.1:5432/bench_hooks
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import time
from array import array
from collections import Counter
from pathlib import Path
from typing import Any

import api_messages
import harness
from harness import HttpConnection, log

GOAL_UPDATES_PER_SECOND = 1500
SECRET = "bench-webhook-secret-0123456789abcdefghij"
PHASE_ID_SPAN = 1_000_000_000  # update ids of phase k: k * span + ...


# --------------------------------------------------------------------------- requests
def update_request(conf: dict[str, Any], update_id: int) -> bytes:
    """One webhook call: a private-chat text message, as Telegram posts it."""
    chat = 50_000_000 + update_id % conf["chats"]
    person = {"first_name": "Customer", "last_name": str(chat), "username": f"customer{chat}"}
    update = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1767600000,
            "chat": {"id": chat, "type": "private", **person},
            "from": {"id": chat, "is_bot": False, "language_code": "ru", **person},
            "text": f"Where is my order {update_id}? {conf['filler']}",
        },
    }
    body = json.dumps(update, separators=(",", ":")).encode()
    return (
        f"POST {conf['path']} HTTP/1.1\r\nHost: 127.0.0.1:{conf['port']}\r\n"
        f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def _ids(conf: dict[str, Any]) -> Any:
    """This process's update ids: unique across processes and phases."""
    n = 0
    while True:
        yield conf["first_id"] + n * conf["stride"]
        n += 1


# --------------------------------------------------------------------------- load processes
def closed_loop_process(conf: dict[str, Any], pipe: Any) -> None:
    harness.use_uvloop()
    pipe.send(asyncio.run(_closed_loop(conf)))
    pipe.close()


async def _closed_loop(conf: dict[str, Any]) -> dict[str, Any]:
    ids = _ids(conf)
    measure_from: float = conf["measure_from"]
    end_at: float = conf["end_at"]
    latencies: array[float] = array("d")
    answered_at: array[float] = array("d")
    statuses: Counter[int] = Counter()
    counts: Counter[str] = Counter()
    active = conf["connections"]
    finished = asyncio.get_running_loop().create_future()

    def done_one() -> None:
        nonlocal active
        active -= 1
        if active == 0 and not finished.done():
            finished.set_result(None)

    def on_response(conn: HttpConnection, status: int, _body: bytes) -> None:
        now = time.monotonic()
        counts["accepted" if 200 <= status < 300 else "failed"] += 1
        if measure_from <= now < end_at:
            latencies.append((now - conn.tag) * 1000)
            answered_at.append(now)
            statuses[status] += 1
            if 200 <= status < 300:
                counts["window_accepted"] += 1
        if now < end_at and status != -1:
            conn.send(update_request(conf, next(ids)), time.monotonic())
        else:
            done_one()

    def on_lost(conn: HttpConnection) -> None:
        if conn.busy:
            counts["lost"] += 1
            done_one()

    conns = await harness.open_connections(conf["port"], active, on_response, on_lost)
    await asyncio.sleep(max(0.0, conf["start_at"] - time.monotonic()))
    for conn in conns:
        conn.send(update_request(conf, next(ids)), time.monotonic())
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
        window_accepted=counts["window_accepted"],
        accepted_total=counts["accepted"],
        failed_total=counts["failed"],
        lost_connections=counts["lost"],
        unanswered=in_flight,
        cpu_seconds=cpu,
    )


def open_loop_process(conf: dict[str, Any], pipe: Any) -> None:
    harness.use_uvloop()
    pipe.send(asyncio.run(_open_loop(conf)))
    pipe.close()


async def _open_loop(conf: dict[str, Any]) -> dict[str, Any]:
    # Request i of this process carries update id first_id + i * stride.
    return await harness.open_loop_engine(
        conf, lambda i: update_request(conf, conf["first_id"] + i * conf["stride"])
    )


# --------------------------------------------------------------------------- phases
def _base_conf(args: argparse.Namespace, port: int, path: str, phase: int) -> dict[str, Any]:
    return {
        "port": port,
        "path": path,
        "chats": args.chats,
        "filler": "x" * max(0, args.content_chars - 30),
        "phase_base": phase * PHASE_ID_SPAN,
    }


def webhook_closed_loop(
    args: argparse.Namespace, port: int, path: str, connections: int, pid: int, phase: int
) -> dict[str, Any]:
    profile = Path(f"{args.profile}-hooks-closed-{connections}.txt") if args.profile else None
    procs = min(args.procs, connections)
    busy_before = harness.wait_for_quiet(args.quiet_wait)
    start_at = time.monotonic() + 2.0
    measure_from = start_at + args.warmup
    end_at = measure_from + args.duration
    base = _base_conf(args, port, path, phase)
    confs = [
        base
        | {
            "connections": len(range(p, connections, procs)),
            "first_id": base["phase_base"] + p,
            "stride": procs,
            "start_at": start_at,
            "measure_from": measure_from,
            "end_at": end_at,
        }
        for p in range(procs)
    ]
    log(f"webhook closed loop: {connections} connections, {args.warmup}+{args.duration} s")
    cpu, profiler, results = api_messages.run_phase(
        args, pid, closed_loop_process, confs, profile, measure_from, end_at
    )
    latencies = [x for r in results for x in r["latencies"]]
    answered_at = [x for r in results for x in r["answered_at"]]
    window_accepted = sum(r["window_accepted"] for r in results)
    out = {
        "connections": connections,
        "load_processes": procs,
        "seconds": args.duration,
        "accepted_per_second": round(window_accepted / args.duration, 1),
        "latency_ms": harness.percentiles(latencies),
        "stalls": harness.stalls(answered_at, latencies),
        "statuses": api_messages.merge_counts(results, "statuses"),
        "errors": sum(r["failed_total"] + r["lost_connections"] for r in results),
        "accepted_total": sum(r["accepted_total"] for r in results),
        "unanswered_at_end": sum(r["unanswered"] for r in results),
        "cpu_percent_of_one_core": cpu.add_generator(
            sum(r["cpu_seconds"] for r in results), args.duration
        )
        | {"machine_busy_before_start": busy_before},
        "server_cpu_ms_per_update": api_messages.cpu_per_message(cpu, window_accepted),
    }
    if profiler is not None:
        out["profile"] = profiler.finish()
    log(
        f"  {out['accepted_per_second']}/s, p50 {out['latency_ms'].get('p50')} ms, "
        f"p99 {out['latency_ms'].get('p99')} ms, errors {out['errors']}"
    )
    return out


def webhook_open_loop(
    args: argparse.Namespace, port: int, path: str, pid: int, phase: int
) -> dict[str, Any]:
    procs = args.procs
    busy_before = harness.wait_for_quiet(args.quiet_wait)
    start_at = time.monotonic() + 2.0
    measure_from = start_at + args.warmup
    end_at = measure_from + args.duration
    base = _base_conf(args, port, path, phase)
    confs = [
        base
        | {
            "first_id": base["phase_base"] + p,
            "stride": procs,
            "rate": args.rate / procs,
            "offset": p / args.rate,
            "pool": max(1, args.open_loop_connections // procs),
            "start_at": start_at,
            "measure_from": measure_from,
            "end_at": end_at,
        }
        for p in range(procs)
    ]
    log(f"webhook open loop: {args.rate} updates/s, {args.warmup}+{args.duration} s")
    cpu, _profiler, results = api_messages.run_phase(
        args, pid, open_loop_process, confs, None, measure_from, end_at
    )
    statuses = api_messages.merge_counts(results, "statuses")
    measured_ok = sum(v for k, v in statuses.items() if k.startswith("2"))
    out = {
        "rate_per_second": args.rate,
        "seconds": args.duration,
        "load_processes": procs,
        "latency_from_schedule_ms": harness.percentiles(
            [x for r in results for x in r["latencies"]]
        ),
        "latency_from_send_ms": harness.percentiles([x for r in results for x in r["from_send"]]),
        "accepted_per_second": round(measured_ok / args.duration, 1),
        "statuses": statuses,
        "errors": sum(r["failed_total"] + r["lost_connections"] for r in results),
        "accepted_total": sum(r["accepted_total"] for r in results),
        "unanswered_at_end": sum(r["unanswered"] for r in results),
        "max_client_backlog": max(r["max_client_backlog"] for r in results),
        "cpu_percent_of_one_core": cpu.add_generator(
            sum(r["cpu_seconds"] for r in results), args.duration
        )
        | {"machine_busy_before_start": busy_before},
        "server_cpu_ms_per_update": api_messages.cpu_per_message(cpu, measured_ok),
    }
    lat = out["latency_from_schedule_ms"]
    log(f"  p50 {lat.get('p50')} ms, p99 {lat.get('p99')} ms, errors {out['errors']}")
    return out


# --------------------------------------------------------------------------- setup
def prime(port: int, path: str, chats: int, content_chars: int) -> int:
    """One update from every customer before the phases, so that they measure customers who
    write again (the usual case), not contacts being created. Returns the 2xx count."""
    conf = {"port": port, "path": path, "chats": chats, "filler": "x" * content_chars}

    async def run() -> int:
        accepted = 0
        pending = list(range(chats))  # update ids 0..chats-1: one per chat
        done = asyncio.get_running_loop().create_future()
        active = 16

        def next_or_finish(conn: HttpConnection) -> None:
            nonlocal active
            if pending:
                conn.send(update_request(conf, pending.pop()))
                return
            active -= 1
            if active == 0 and not done.done():
                done.set_result(None)

        def on_response(conn: HttpConnection, status: int, _body: bytes) -> None:
            nonlocal accepted
            accepted += 200 <= status < 300
            next_or_finish(conn)

        conns = await harness.open_connections(port, active, on_response)
        for conn in conns:
            next_or_finish(conn)
        await asyncio.wait_for(done, timeout=300)
        for conn in conns:
            if conn.transport is not None:
                conn.transport.close()
        return accepted

    return asyncio.run(run())


def telegram_inbox(database_url: str, workspace_id: int) -> tuple[int, str]:
    """A Telegram inbox as connecting a bot leaves it (the secret the webhook checks)."""
    from frontdesk.core.db import Database, UnitOfWork
    from frontdesk.inboxes import service as inbox_service
    from frontdesk.inboxes.schemas import ChannelType, InboxCreate

    db = Database(database_url)
    try:

        def make(uow: UnitOfWork) -> tuple[int, str]:
            inbox = inbox_service.create_inbox(
                uow,
                workspace_id=workspace_id,
                data=InboxCreate(
                    name="Telegram",
                    channel_type=ChannelType.telegram,
                    settings={"bot_token": "1:bench", "webhook_secret": SECRET},
                ),
            )
            return inbox.id, inbox.public_id

        return db.write_sync(make)
    finally:
        db.close()


def stored_updates(database_url: str, inbox_id: int) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    from frontdesk.core.db import normalize_url

    engine = create_engine(normalize_url(database_url))
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT count(*), count(DISTINCT external_id) FROM messages"
                " WHERE inbox_id = :i AND kind = 'incoming'"
            ),
            {"i": inbox_id},
        ).one()
        contacts = conn.execute(
            text("SELECT count(*) FROM contact_identities WHERE kind = 'telegram'")
        ).scalar_one()
        conversations = conn.execute(
            text("SELECT count(*) FROM conversations WHERE inbox_id = :i"), {"i": inbox_id}
        ).scalar_one()
    engine.dispose()
    return {
        "messages": int(row[0]),
        "distinct_external_ids": int(row[1]),
        "telegram_contacts": int(contacts),
        "conversations": int(conversations),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite in a temp dir)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds measured per phase")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument(
        "--connections", default="32,64", help="closed-loop connection counts, comma-separated"
    )
    parser.add_argument("--rate", type=float, default=500.0, help="open-loop updates per second")
    parser.add_argument("--open-loop-connections", type=int, default=256)
    parser.add_argument("--procs", type=int, default=1, help="load-generator processes")
    parser.add_argument("--chats", type=int, default=1000, help="customers writing")
    parser.add_argument("--content-chars", type=int, default=100, help="message text length")
    parser.add_argument(
        "--phases",
        default="baseline,closed,open",
        help="baseline (api_messages closed loop), closed, open",
    )
    parser.add_argument("--quiet-wait", type=float, default=60.0)
    parser.add_argument("--nice", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    parser.add_argument("--profile", type=Path, help="py-spy the server; raw stacks to PATH-*.txt")
    parser.add_argument(
        "--profile-gil", action="store_true", help="with --profile: sample only the GIL holder"
    )
    harness.add_server_arguments(parser)
    args = parser.parse_args()
    phases = set(args.phases.split(","))
    connection_counts = [int(x) for x in args.connections.split(",") if x]

    result: dict[str, Any] = {
        "benchmark": "inbound_webhooks",
        "source": harness.source_state(),
        "machine": {"cpus": os.cpu_count()},
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "goals": {"updates_per_second_sqlite": GOAL_UPDATES_PER_SECOND},
        "load_generator": "python asyncio (uvloop) raw HTTP/1.1 keep-alive; each request built"
        " on the fly with a fresh update_id; separate processes (multiprocessing spawn)",
    }
    with harness.workdir(args.database_url, keep=args.keep) as work:
        result["database"] = "sqlite" if work.is_sqlite else "postgresql"
        log("seeding the api_messages desk (baseline) and a Telegram inbox")
        desk = harness.seed(work.database_url, inboxes=10, agents=50, conversations=1000)
        inbox_id, public_id = telegram_inbox(work.database_url, desk.workspace_id)
        path = f"/hooks/telegram/{public_id}"
        api_before = harness.count_rows(work.database_url, "messages")
        server = harness.start_server(
            work, mode=args.server, nice=args.nice, app_factory=args.app_factory
        )
        result["server_command"] = " ".join(
            Path(c).name if i == 0 else c for i, c in enumerate(server.command)
        )
        hooks_accepted = 0
        api_accepted = 0
        phase = 0
        try:
            log(f"priming: one update from each of {args.chats} customers")
            hooks_accepted += prime(server.port, path, args.chats, args.content_chars - 30)
            api_requests = [
                harness.post_request(
                    f"/api/v1/conversations/{conversation_id}/messages",
                    desk.tokens[harness.poster_for(desk, j, inbox)],
                    f'{{"content": "bench message {j} {"x" * 60}"}}'.encode(),
                    server.port,
                )
                for j, (conversation_id, inbox) in enumerate(desk.conversations)
            ]
            result["baseline_api_messages"] = []
            result["closed_loop"] = []
            for connections in connection_counts:
                if "baseline" in phases:
                    log(f"baseline: api_messages closed loop, {connections} connections")
                    profile = (
                        Path(f"{args.profile}-api-closed-{connections}.txt")
                        if args.profile
                        else None
                    )
                    base = api_messages.closed_loop(
                        args, server.port, api_requests, connections, server.pid, profile
                    )
                    api_accepted += base["accepted_total"]
                    result["baseline_api_messages"].append(base)
                    time.sleep(1.0)
                if "closed" in phases:
                    phase += 1
                    out = webhook_closed_loop(
                        args, server.port, path, connections, server.pid, phase
                    )
                    hooks_accepted += out["accepted_total"]
                    result["closed_loop"].append(out)
                    time.sleep(1.0)
            if "open" in phases:
                phase += 1
                out = webhook_open_loop(args, server.port, path, server.pid, phase)
                hooks_accepted += out["accepted_total"]
                result["open_loop"] = out
        finally:
            harness.stop_server(server)
        errors = harness.server_errors(server)
        if errors:
            result["server_errors"] = errors
        stored = stored_updates(work.database_url, inbox_id)
        api_stored = (
            harness.count_rows(work.database_url, "messages") - api_before - stored["messages"]
        )
        result["no_loss"] = {
            "updates_accepted_2xx": hooks_accepted,
            **stored,
            "ok": stored["messages"] == stored["distinct_external_ids"] == hooks_accepted,
            "api_messages_accepted_2xx": api_accepted,
            # Counted as the rest of the new messages (conversation.created leaves none).
            "api_messages_in_database": api_stored,
        }
        log(f"no loss: {stored} stored, {hooks_accepted} accepted")
    summary: dict[str, Any] = {}
    if result.get("closed_loop"):
        best = max(result["closed_loop"], key=lambda p: p["accepted_per_second"])
        summary["updates_per_second"] = best["accepted_per_second"]
        summary["p99_ms_at_best"] = best["latency_ms"].get("p99")
        if result["database"] == "sqlite":
            summary["goal_met"] = best["accepted_per_second"] >= GOAL_UPDATES_PER_SECOND
    if result.get("baseline_api_messages"):
        best_api = max(result["baseline_api_messages"], key=lambda p: p["accepted_per_second"])
        summary["api_messages_per_second_same_run"] = best_api["accepted_per_second"]
    if "open_loop" in result:
        summary["open_loop_p99_ms"] = result["open_loop"]["latency_from_schedule_ms"].get("p99")
    summary["no_loss"] = result["no_loss"]["ok"]
    result["summary"] = summary
    harness.emit(result)


if __name__ == "__main__":
    main()
