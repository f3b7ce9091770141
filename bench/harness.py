"""Shared pieces of the benchmarks: a fresh database, a seeded desk, the server as a separate
process, CPU accounting from /proc, a cheap raw HTTP/1.1 client, and py-spy summaries.

Everything runs on this machine only (127.0.0.1) and is bounded in time; every process a
benchmark starts is stopped by it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from array import array
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CLK_TCK = os.sysconf("SC_CLK_TCK")
REPO = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    """Progress goes to stderr; stdout carries only the final JSON object."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def source_state() -> dict[str, Any]:
    """Which code was measured: the commit, and the files under src/ changed since it."""

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10
            ).stdout
        except OSError:
            return ""

    changed = [line[3:] for line in git("status", "--porcelain", "--", "src").splitlines()]
    return {"commit": git("rev-parse", "--short", "HEAD").strip(), "uncommitted_src_files": changed}


def emit(result: dict[str, Any]) -> None:
    print(json.dumps(result, indent=2, sort_keys=False))


def use_uvloop() -> None:
    # The load generators run on uvloop when it is there: less CPU taken from the server.
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


# --------------------------------------------------------------------------- statistics
def percentiles(
    values: Sequence[float], points: Sequence[float] = (50, 90, 99, 99.9)
) -> dict[str, Any]:
    """Nearest-rank percentiles of `values` (milliseconds in, milliseconds out)."""
    if not values:
        return {"count": 0}
    ordered = sorted(values)
    n = len(ordered)
    out: dict[str, Any] = {"count": n}
    for p in points:
        rank = max(1, min(n, int(-(-p * n // 100))))
        out[f"p{p:g}"] = round(ordered[rank - 1], 3)
    out["max"] = round(ordered[-1], 3)
    out["mean"] = round(sum(ordered) / n, 3)
    return out


def stalls(answered_at: Sequence[float], latencies_ms: Sequence[float]) -> dict[str, Any]:
    """Episodes of slow answers: answers slower than max(4 x median, 20 ms), grouped when less
    than 50 ms apart. Tells a steady queue (no episodes) from periodic stalls (how many, how
    far apart, how long), which the percentiles alone cannot."""
    if not latencies_ms:
        return {"episodes": 0}
    median = sorted(latencies_ms)[len(latencies_ms) // 2]
    threshold = max(4 * median, 20.0)
    slow = sorted(
        (t, ms) for t, ms in zip(answered_at, latencies_ms, strict=True) if ms > threshold
    )
    episodes: list[tuple[float, float, float]] = []  # (first answer, last answer, worst ms)
    for t, ms in slow:
        if episodes and t - episodes[-1][1] < 0.05:
            first, _, worst = episodes[-1]
            episodes[-1] = (first, t, max(worst, ms))
        else:
            episodes.append((t, t, ms))
    out: dict[str, Any] = {
        "threshold_ms": round(threshold, 1),
        "slow_answers": len(slow),
        "episodes": len(episodes),
    }
    if len(episodes) > 1:
        gaps = [b[0] - a[0] for a, b in itertools.pairwise(episodes)]
        out["median_seconds_between"] = round(sorted(gaps)[len(gaps) // 2], 2)
    if episodes:
        worst_ms = sorted(e[2] for e in episodes)
        out["median_worst_ms"] = round(worst_ms[len(worst_ms) // 2], 1)
    return out


# --------------------------------------------------------------------------- CPU accounting
def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads), from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + parts[4]
    total = sum(parts[:8])
    return total - idle, total


def self_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class CpuWindow:
    """CPU used by the server and the whole machine between start() and stop().

    Percentages are of one core (the machine has os.cpu_count() of them). The machine is
    shared: `others` is what neither the server nor the load generators used, so a reader can
    tell a quiet run from one that competed with something else.
    """

    server_pid: int
    database_url: str | None = None  # PostgreSQL: its backends serving the server count too
    _server0: float = 0.0
    _database0: dict[int, float] = field(default_factory=dict)
    _machine0: tuple[float, float] = (0.0, 0.0)
    _wall0: float = 0.0
    figures: dict[str, Any] = field(default_factory=dict)

    def _database_cpu(self) -> dict[int, float]:
        if not self.database_url or self.database_url.startswith("sqlite"):
            return {}
        out = {}
        for pid in postgres_backend_pids(self.database_url):
            with contextlib.suppress(OSError):
                out[pid] = process_cpu_seconds(pid)
        return out

    def start(self) -> None:
        self._database0 = self._database_cpu()
        self._server0 = process_cpu_seconds(self.server_pid)
        self._machine0 = machine_cpu()
        self._wall0 = time.monotonic()

    def stop(self) -> dict[str, Any]:
        wall = time.monotonic() - self._wall0
        server = process_cpu_seconds(self.server_pid) - self._server0
        busy1, total1 = machine_cpu()
        database1 = self._database_cpu()
        busy = busy1 - self._machine0[0]
        total = total1 - self._machine0[1]
        cores = os.cpu_count() or 1
        machine = 100 * cores * busy / total if total else 0.0
        self.figures = {
            "wall_seconds": round(wall, 2),
            "cores": cores,
            "server_percent": round(100 * server / wall, 1),
        }
        if database1 or self._database0:
            used = sum(t - self._database0.get(pid, 0.0) for pid, t in database1.items())
            self.figures["postgres_backends_percent"] = round(100 * used / wall, 1)
        self.figures["machine_busy_percent"] = round(machine, 1)
        return self.figures

    def add_generator(self, generator_cpu_seconds: float, seconds: float) -> dict[str, Any]:
        generator = 100 * generator_cpu_seconds / seconds
        self.figures["generator_percent"] = round(generator, 1)
        ours = (
            self.figures["server_percent"]
            + self.figures.get("postgres_backends_percent", 0.0)
            + generator
        )
        self.figures["others_percent"] = round(
            max(0.0, self.figures["machine_busy_percent"] - ours), 1
        )
        return self.figures


def renice(pid: int, nice: int) -> None:
    """Give every thread of a process the nice value `nice` (negative needs root)."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, int(task.name), nice)


def renice_postgres(url: str | None, nice: int) -> None:
    """The PostgreSQL backends serving the benchmark work for the server: same priority."""
    if nice and url and not url.startswith("sqlite"):
        for pid in postgres_backend_pids(url):
            with contextlib.suppress(OSError):
                renice(pid, nice)


def postgres_backend_pids(url: str) -> list[int]:
    """The PostgreSQL backends connected to the benchmark's database (but this one)."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    dsn = normalize_pg_dsn(url)
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return [int(r[0]) for r in rows]


def normalize_pg_dsn(url: str) -> str:
    for prefix in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def machine_busy_percent(seconds: float = 1.0) -> float:
    """How busy the whole machine is right now (percent of one core, summed over cores)."""
    b0, t0 = machine_cpu()
    time.sleep(seconds)
    b1, t1 = machine_cpu()
    return 100 * (os.cpu_count() or 1) * (b1 - b0) / max(1, t1 - t0)


def wait_for_quiet(limit_seconds: float, *, threshold: float = 20.0) -> float:
    """Wait (bounded) until other work on the shared machine calms down; returns the last
    reading so the result can say how quiet the start was."""
    deadline = time.monotonic() + limit_seconds
    while True:
        busy = machine_busy_percent()
        if busy <= threshold or time.monotonic() >= deadline:
            if busy > threshold:
                log(f"machine still {busy:.0f}% busy (of one core); going on anyway")
            return round(busy, 1)
        log(f"machine {busy:.0f}% busy (of one core) with other work; waiting")
        time.sleep(2)


# --------------------------------------------------------------------------- the database
@dataclass
class Workdir:
    root: Path
    database_url: str
    is_sqlite: bool

    @property
    def data_dir(self) -> Path:
        return self.root / "data"


@contextlib.contextmanager
def workdir(database_url: str | None, *, keep: bool = False) -> Iterator[Workdir]:
    """A fresh temp dir (and a fresh database): SQLite inside it, or a reset PostgreSQL schema."""
    root = Path(tempfile.mkdtemp(prefix="frontdesk-bench-"))
    try:
        (root / "data").mkdir()
        if database_url:
            reset_postgres(database_url)
            url, is_sqlite = database_url, False
        else:
            url, is_sqlite = f"sqlite:///{root / 'data' / 'frontdesk.db'}", True
        from frontdesk.core.migrate import upgrade

        upgrade(url)
        yield Workdir(root=root, database_url=url, is_sqlite=is_sqlite)
    finally:
        if keep:
            log(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def reset_postgres(url: str) -> None:
    """Create the benchmark database when missing and drop/recreate its schema."""
    name = urlsplit(url).path.lstrip("/")
    if not name.startswith("bench"):
        # The schema is dropped: refuse anything that does not look like a scratch database.
        raise SystemExit(f"refusing to reset database '{name}': its name must start with 'bench'")
    from sqlalchemy import create_engine, text

    from frontdesk.core.db import normalize_url

    parts = urlsplit(url)
    admin_url = normalize_url(parts._replace(path="/postgres").geturl())
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    engine = create_engine(normalize_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def count_rows(database_url: str, table: str) -> int:
    from sqlalchemy import create_engine, text

    from frontdesk.core.db import normalize_url

    engine = create_engine(normalize_url(database_url))
    with engine.connect() as conn:
        n = int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    engine.dispose()
    return n


def app_sqlite_synchronous(directory: Path) -> str:
    """The `PRAGMA synchronous` the app's writer really runs SQLite with: the app is built as
    the server builds it (on a scratch file) and its write connection is asked."""
    from sqlalchemy import text

    from frontdesk.app import create_app
    from frontdesk.settings import Settings

    scratch = directory / "pragma-probe"
    scratch.mkdir(exist_ok=True)
    settings = Settings(
        data_dir=scratch, database_url=f"sqlite:///{scratch / 'probe.db'}", _env_file=None
    )
    db = create_app(settings).state.ctx.db
    try:
        with db.write_engine.connect() as conn:
            level = int(conn.execute(text("PRAGMA synchronous")).scalar_one())
    finally:
        db.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[level]


def sqlite_commit_baseline(directory: Path, *, synchronous: str, seconds: float) -> dict[str, Any]:
    """Raw sqlite3 on the same disk: one INSERT + COMMIT per row, WAL, for `seconds`."""
    path = directory / f"baseline-{synchronous.lower()}.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute(
        "CREATE TABLE messages (id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL,"
        " content TEXT NOT NULL, created_at TEXT NOT NULL)"
    )
    n = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for _ in range(50):
            conn.execute("BEGIN")
            conn.execute(
                "INSERT INTO messages (conversation_id, content, created_at) VALUES (?, ?, ?)",
                (n % 1000, "benchmark message", "2026-01-01T00:00:00"),
            )
            conn.execute("COMMIT")
            n += 1
    elapsed = time.perf_counter() - started
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return {
        "synchronous": synchronous,
        "commits": n,
        "seconds": round(elapsed, 2),
        "commits_per_second": round(n / elapsed),
    }


# --------------------------------------------------------------------------- seeding
@dataclass
class SeededDesk:
    workspace_id: int
    inbox_ids: list[int]
    agent_ids: list[int]
    tokens: dict[int, str]  # user id -> API token
    conversations: list[tuple[int, int]]  # (conversation id, inbox id)
    members: dict[int, list[int]]  # inbox id -> user ids that can see it (from the app)
    admin_token: str


def seed(
    database_url: str,
    *,
    inboxes: int,
    agents: int,
    conversations: int,
    contacts: int = 100,
) -> SeededDesk:
    """A workspace with `agents` agents spread round-robin over `inboxes` inboxes (agent k is a
    member of inbox k % inboxes), one token each, and `conversations` conversations spread
    round-robin over the inboxes. Written through the services, like the app does."""
    from datetime import timedelta

    from frontdesk.auth import service as auth_service
    from frontdesk.contacts import service as contacts_service
    from frontdesk.contacts.schemas import ContactCreate
    from frontdesk.conversations import service as conversations_service
    from frontdesk.conversations.schemas import ConversationCreate
    from frontdesk.conversations.service import Limits
    from frontdesk.core.db import Database, UnitOfWork
    from frontdesk.core.principal import Principal, Role
    from frontdesk.inboxes import service as inbox_service
    from frontdesk.inboxes.schemas import ChannelType, InboxCreate
    from frontdesk.team import service as team_service
    from frontdesk.team.schemas import UserCreate

    db = Database(database_url)
    try:

        def base(uow: UnitOfWork) -> tuple[int, int, str]:
            ws = team_service.create_workspace(uow, name="Bench", slug="bench")
            admin = team_service.create_user(
                uow,
                workspace_id=ws.id,
                data=UserCreate(email="admin@bench.example.com", name="Admin", role=Role.admin),
            )
            token = auth_service.create_token(uow, user_id=admin.id, name="bench")
            return ws.id, admin.id, token.token

        workspace_id, admin_id, admin_token = db.write_sync(base)
        admin = Principal(user_id=admin_id, workspace_id=workspace_id, role=Role.admin, via="token")

        agent_ids: list[int] = []
        tokens: dict[int, str] = {}
        for start in range(0, agents, 250):

            def make_agents(uow: UnitOfWork, start: int = start) -> None:
                for k in range(start, min(agents, start + 250)):
                    user = team_service.create_user(
                        uow,
                        workspace_id=workspace_id,
                        data=UserCreate(
                            email=f"agent{k}@bench.example.com", name=f"Agent {k}", role=Role.agent
                        ),
                    )
                    agent_ids.append(user.id)
                    tokens[user.id] = auth_service.create_token(
                        uow, user_id=user.id, name="bench"
                    ).token

            db.write_sync(make_agents)
        tokens[admin_id] = admin_token

        def make_inboxes(uow: UnitOfWork) -> list[int]:
            ids = []
            for i in range(inboxes):
                members = [agent_ids[k] for k in range(i, agents, inboxes)]
                inbox = inbox_service.create_inbox(
                    uow,
                    workspace_id=workspace_id,
                    data=InboxCreate(
                        name=f"Inbox {i}", channel_type=ChannelType.api, member_ids=members
                    ),
                )
                ids.append(inbox.id)
            return ids

        inbox_ids = db.write_sync(make_inboxes)

        def make_contacts(uow: UnitOfWork) -> list[int]:
            return [
                contacts_service.create_contact(
                    uow, workspace_id=workspace_id, data=ContactCreate(name=f"Customer {c}")
                ).id
                for c in range(contacts)
            ]

        contact_ids = db.write_sync(make_contacts)
        limits = Limits(max_message_chars=64 * 1024, reopen_window=timedelta(days=7))
        made: list[tuple[int, int]] = []
        for start in range(0, conversations, 250):

            def make_conversations(uow: UnitOfWork, start: int = start) -> None:
                for j in range(start, min(conversations, start + 250)):
                    inbox_id = inbox_ids[j % inboxes]
                    out = conversations_service.create_conversation(
                        uow,
                        principal=admin,
                        data=ConversationCreate(
                            inbox_id=inbox_id,
                            contact_id=contact_ids[j % len(contact_ids)],
                            subject=f"Conversation {j}",
                        ),
                        limits=limits,
                    )
                    made.append((out.id, inbox_id))

            db.write_sync(make_conversations)

        # Who sees which inbox, asked of the app itself rather than assumed from the seeding.
        def visibility(session: Any) -> dict[int, list[int]]:
            seen: dict[int, list[int]] = {i: [] for i in inbox_ids}
            for user_id in agent_ids:
                principal = Principal(
                    user_id=user_id, workspace_id=workspace_id, role=Role.agent, via="token"
                )
                for inbox_id in team_service.visible_inbox_ids(session, principal=principal):
                    seen.setdefault(inbox_id, []).append(user_id)
            return seen

        members = db.read_sync(visibility)
    finally:
        db.close()
    return SeededDesk(
        workspace_id=workspace_id,
        inbox_ids=inbox_ids,
        agent_ids=agent_ids,
        tokens=tokens,
        conversations=made,
        members=members,
        admin_token=admin_token,
    )


def poster_for(desk: SeededDesk, conversation_index: int, inbox_id: int) -> int:
    """An agent of the conversation's inbox posts in it (the way a desk works)."""
    members = desk.members[inbox_id]
    return members[(conversation_index // max(1, len(desk.inbox_ids))) % len(members)]


# --------------------------------------------------------------------------- the server
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    command: list[str]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """The options choosing how the server under test is started (see start_server)."""
    parser.add_argument(
        "--server",
        choices=("cli", "uvicorn"),
        default="cli",
        help="cli: `frontdesk serve` as shipped; uvicorn: `python -m uvicorn` on --app-factory",
    )
    parser.add_argument(
        "--app-factory",
        help="with --server uvicorn: module:function building the app (default"
        " frontdesk.cli:_factory), to measure a variant without editing src/",
    )


def start_server(
    work: Workdir,
    *,
    mode: str,
    redis_url: str | None = None,
    extra_env: dict[str, str] | None = None,
    nice: int = 0,
    app_factory: str | None = None,
    workers: int = 1,
) -> Server:
    """`frontdesk serve` (mode "cli", as shipped) or plain `python -m uvicorn` on an app
    factory without the access log (mode "uvicorn"; `app_factory` "module:function", importable
    from the current directory, tries a variant of the app without touching src/)."""
    port = free_port()
    if mode == "cli":
        command = [
            str(Path(sys.executable).parent / "frontdesk"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *(["--workers", str(workers)] if workers > 1 else []),
        ]
    elif mode == "uvicorn":
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            app_factory or "frontdesk.cli:_factory",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
    else:
        raise SystemExit(f"unknown server mode {mode!r}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env.update(
        FRONTDESK_DATA_DIR=str(work.data_dir),
        FRONTDESK_DATABASE_URL=work.database_url,
        FRONTDESK_SECRET_KEY="bench",
        FRONTDESK_BASE_URL=f"http://127.0.0.1:{port}",
    )
    if redis_url:
        env["FRONTDESK_REDIS_URL"] = redis_url
        env["FRONTDESK_REDIS_CHANNEL"] = f"frontdesk:bench:{os.getpid()}"
    if app_factory:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [os.getcwd(), env.get("PYTHONPATH")]))
    env.update(extra_env or {})
    log_path = work.root / "server.log"
    log_file = open(log_path, "wb")  # noqa: SIM115 - handed to the child, closed with it
    # cwd is the temp dir so that no stray .env file is read.
    process = subprocess.Popen(
        command,
        cwd=work.root,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        # Set before exec, so that every thread the server starts inherits it.
        preexec_fn=(lambda: os.nice(nice)) if nice else None,
    )
    log_file.close()
    server = Server(process=process, port=port, command=command, log_path=log_path)
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise SystemExit(f"server exited early:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_server(server)
            raise SystemExit("server did not answer /healthz within 30 s")
        time.sleep(0.1)
    log(f"server pid {process.pid} on port {port}: {' '.join(command[-9:])}")
    return server


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=5)


def server_errors(server: Server) -> list[str]:
    """Tracebacks and error lines the server logged (the last few)."""
    try:
        lines = server.log_path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    bad = [line for line in lines if "Traceback" in line or "ERROR" in line or "Error" in line]
    return bad[-10:]


# --------------------------------------------------------------------------- py-spy
class Profiler:
    """py-spy sampling the server for a while, summarised as the hottest functions."""

    def __init__(self, pid: int, out: Path, *, seconds: float, gil: bool = False) -> None:
        exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        self.out = out
        self.seconds = max(1, int(seconds))
        self.command = [
            exe,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(self.seconds),
            "--rate",
            "100",
            "--format",
            "raw",
            "--nonblocking",
            "--threads",
            "-o",
            str(out),
        ]
        if gil:
            self.command.append("--gil")
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def finish(self, top: int = 20) -> dict[str, Any]:
        try:
            _, err = self.process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        if not self.out.exists():
            return {"error": err.decode(errors="replace")[-500:]}
        summary = summarize_collapsed(self.out.read_text(), top=top, seconds=self.seconds)
        return summary | {"raw_file": str(self.out)}


def _frame_name(frame: str) -> tuple[str, str]:
    """("function (module path)", package) for a py-spy frame "function (path/file.py:123)";
    the line number is dropped so that one function is one entry."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "lib/python3.11/", "/src/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    package = path.split("/", 1)[0].removesuffix(".py") or "?"
    return (f"{name} ({path})" if path else name), package


# Entry frames that sit under everything a thread does; leaving them out of the inclusive list
# keeps it about the work.
_ENTRY_MODULES = (
    "typer/",
    "click/",
    "uvicorn/main.py",
    "uvicorn/server.py",
    "uvicorn/_compat.py",
    "asyncio/runners.py",
    "asyncio/base_events.py",
    "threading.py",
    "frontdesk/cli.py",
    "concurrent/futures/thread.py",
)


def summarize_collapsed(
    text: str, *, top: int = 20, seconds: float = 0, rate: int = 100
) -> dict[str, Any]:
    """Where the sampled time went: by thread, by package (of the innermost frame), by
    function (self: innermost frame; inclusive: anywhere on the stack) and by the app's own
    functions. Percentages are of all samples of all threads together."""
    total = 0
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    for line in text.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        thread = next((f for f in frames[:2] if f.startswith("thread")), "?")
        thread = thread.split(": ", 1)[-1] if ": " in thread else thread
        frames = [f for f in frames if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += count
        threads[thread] += count
        named = [_frame_name(f) for f in frames]
        own[named[-1][0]] += count
        packages[named[-1][1]] += count
        for name in {n for n, _ in named}:
            inclusive[name] += count
    if not total:
        return {"samples": 0}

    def share(counter: Counter[str], keep: Callable[[str], bool] = lambda _: True) -> list[Any]:
        rows = [(name, n) for name, n in counter.most_common() if keep(name)][:top]
        return [{"function": name, "percent": round(100 * n / total, 1)} for name, n in rows]

    def not_entry(name: str) -> bool:
        return not name.startswith("<module>") and not any(m in name for m in _ENTRY_MODULES)

    out: dict[str, Any] = {
        "samples": total,
        "by_thread_percent": {t: round(100 * n / total, 1) for t, n in threads.most_common(8)},
    }
    if seconds:
        # How much of the wall time each thread was sampled busy.
        out["thread_busy_percent_of_wall"] = {
            t: round(100 * n / (rate * seconds), 1) for t, n in threads.most_common(8)
        }
    out["by_package_percent"] = {p: round(100 * n / total, 1) for p, n in packages.most_common(15)}
    out["self"] = share(own)
    out["inclusive"] = share(inclusive, not_entry)
    out["inclusive_frontdesk"] = share(
        inclusive, lambda n: "(frontdesk/" in n and "frontdesk/cli.py" not in n
    )
    return out


# --------------------------------------------------------------------------- raw HTTP/1.1
def post_request(path: str, token: str, body: bytes, port: int) -> bytes:
    """A complete keep-alive POST, built once and written as is."""
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


class HttpConnection(asyncio.Protocol):
    """One keep-alive connection: writes pre-built requests and parses only the status line
    and Content-Length of each response. `on_response(status, body)` runs on every response;
    `on_lost()` when the connection closes."""

    def __init__(
        self,
        on_response: Callable[[HttpConnection, int, bytes], None],
        on_lost: Callable[[HttpConnection], None] | None = None,
    ) -> None:
        self.on_response = on_response
        self.on_lost = on_lost
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.busy = False
        self.closed = False
        self.tag: Any = None  # what the caller wants to remember about the request in flight

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, request: bytes, tag: Any = None) -> None:
        assert self.transport is not None
        self.busy = True
        self.tag = tag
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).lower()
            status = int(self.buffer[9:12])
            at = head.find(b"\r\ncontent-length:")
            if at < 0:
                # Not expected from this app (it always sends a length); give up on the socket.
                self.buffer.clear()
                self.busy = False
                self.on_response(self, -1, b"")
                if self.transport is not None:
                    self.transport.close()
                return
            stop = head.find(b"\r\n", at + 2)
            length = int(head[at + 17 : stop if stop > 0 else len(head)])
            total = end + 4 + length
            if len(self.buffer) < total:
                return
            body = bytes(self.buffer[end + 4 : total])
            del self.buffer[:total]
            self.busy = False
            self.on_response(self, status, body)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.on_lost is not None:
            self.on_lost(self)


async def open_connections(
    port: int,
    count: int,
    on_response: Callable[[HttpConnection, int, bytes], None],
    on_lost: Callable[[HttpConnection], None] | None = None,
) -> list[HttpConnection]:
    loop = asyncio.get_running_loop()
    connections = []
    for _ in range(count):
        _, protocol = await loop.create_connection(
            lambda: HttpConnection(on_response, on_lost), "127.0.0.1", port
        )
        connections.append(protocol)
    return connections


def worker_result(latencies: Any, **figures: Any) -> dict[str, Any]:
    """What a load process hands back: its samples and counters."""
    return {"latencies": list(latencies), **figures}


class LoadProcesses:
    """Load generators in their own processes (spawned: no state inherited from the parent),
    each running `target(conf, pipe)` and sending one result dict back through the pipe."""

    def __init__(
        self,
        target: Callable[[dict[str, Any], Any], None],
        confs: list[dict[str, Any]],
        *,
        duplex: bool = False,
        nice: int = 0,
    ) -> None:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        self.pipes = []
        self.processes = []
        for conf in confs:
            parent, child = ctx.Pipe(duplex=duplex)
            process = ctx.Process(target=target, args=(conf, child), daemon=True)
            process.start()
            if nice and process.pid is not None:
                renice(process.pid, nice)
            child.close()
            self.pipes.append(parent)
            self.processes.append(process)

    def results(self, timeout: float = 120) -> list[dict[str, Any]]:
        out = []
        deadline = time.monotonic() + timeout
        try:
            for pipe in self.pipes:
                if not pipe.poll(max(0.0, deadline - time.monotonic())):
                    raise SystemExit("a load process did not report in time")
                out.append(pipe.recv())
        finally:
            self.stop()
        return out

    def stop(self) -> None:
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)


async def open_loop_engine(
    conf: dict[str, Any], request_for: Callable[[int], bytes], *, record_each: bool = False
) -> dict[str, Any]:
    """Send request i at conf["start_at"] + conf["offset"] + i / conf["rate"] until
    conf["end_at"], whatever the answers (open loop), on a pool of keep-alive connections.

    Latency is counted from the scheduled time (a stall shows up in full: no coordinated
    omission) and, for comparison, from the moment the request was written. With
    `record_each`, every request's (index, scheduled, sent, answered, status) is returned.
    """
    interval = 1.0 / conf["rate"]
    first = conf["start_at"] + conf["offset"]
    end_at: float = conf["end_at"]
    measure_from: float = conf["measure_from"]
    port: int = conf["port"]
    from_schedule: array[float] = array("d")
    from_send: array[float] = array("d")
    each: list[tuple[int, float, float, float, int]] = []
    statuses: Counter[int] = Counter()
    counts = Counter[str]()
    backlog: deque[tuple[int, bytes, float]] = deque()
    max_backlog = 0
    in_flight = 0
    free: deque[HttpConnection] = deque()
    drained = asyncio.Event()
    loop = asyncio.get_running_loop()
    scheduling = True
    replacing: set[asyncio.Task[None]] = set()

    def dispatch(conn: HttpConnection) -> None:
        if backlog:
            index, request, scheduled = backlog.popleft()
            conn.send(request, (index, scheduled, time.monotonic()))
        else:
            free.append(conn)  # FIFO: every connection stays in use, none idles out

    def settle() -> None:
        if not scheduling and in_flight == 0 and not backlog:
            drained.set()

    def on_response(conn: HttpConnection, status: int, _body: bytes) -> None:
        nonlocal in_flight
        now = time.monotonic()
        index, scheduled, sent = conn.tag
        in_flight -= 1
        counts["accepted" if 200 <= status < 300 else "failed"] += 1
        if scheduled >= measure_from:
            from_schedule.append((now - scheduled) * 1000)
            from_send.append((now - sent) * 1000)
            statuses[status] += 1
        if record_each:
            each.append((index, scheduled, sent, now, status))
        if status != -1:
            dispatch(conn)
        settle()

    def on_lost(conn: HttpConnection) -> None:
        nonlocal in_flight
        if conn in free:
            free.remove(conn)
        if conn.busy:
            counts["lost"] += 1
            in_flight -= 1
            if record_each:
                index, scheduled, sent = conn.tag
                each.append((index, scheduled, sent, time.monotonic(), -1))
        if scheduling:
            task = loop.create_task(replace())
            replacing.add(task)
            task.add_done_callback(replacing.discard)
        settle()

    async def replace() -> None:
        try:
            conn = (await open_connections(port, 1, on_response, on_lost))[0]
        except OSError:
            counts["reconnect_failed"] += 1
            return
        dispatch(conn)

    for conn in await open_connections(port, conf["pool"], on_response, on_lost):
        free.append(conn)
    await asyncio.sleep(max(0.0, conf["start_at"] - time.monotonic()))
    cpu0: float | None = None
    i = 0
    while True:
        scheduled = first + i * interval
        if scheduled >= end_at:
            break
        if cpu0 is None and scheduled >= measure_from:
            cpu0 = self_cpu_seconds()  # the generator's CPU over the measured window only
        now = time.monotonic()
        if scheduled > now:
            await asyncio.sleep(scheduled - now)
            continue
        request = request_for(i)
        in_flight += 1
        if free:
            free.popleft().send(request, (i, scheduled, time.monotonic()))
        else:
            backlog.append((i, request, scheduled))
            max_backlog = max(max_backlog, len(backlog))
        i += 1
    cpu = self_cpu_seconds() - (cpu0 if cpu0 is not None else self_cpu_seconds())
    scheduling = False
    settle()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(drained.wait(), timeout=conf.get("drain_seconds", 30))
    for conn in list(free):
        if conn.transport is not None:
            conn.transport.close()
    return {
        "latencies": list(from_schedule),
        "from_send": list(from_send),
        "each": each,
        "statuses": {str(k): v for k, v in statuses.items()},
        "scheduled": i,
        "accepted_total": counts["accepted"],
        "failed_total": counts["failed"],
        "lost_connections": counts["lost"],
        "reconnect_failed": counts["reconnect_failed"],
        "unanswered": in_flight,
        "max_client_backlog": max_backlog,
        "cpu_seconds": cpu,
    }
