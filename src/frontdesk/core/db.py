"""Engines, the unit of work, and the single writer.

SQLite has one writer. Instead of many request transactions fighting for its lock, every write
goes through one writer thread which groups whatever is queued into one transaction (group
commit); a write that fails is taken out and the rest run again, so it never spoils its
neighbours and nothing of it stays behind.
On PostgreSQL writes run concurrently on a thread pool, one transaction each.
Reads run on a thread pool against their own connections (WAL lets them run beside the writer).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, cast

import orjson
from sqlalchemy import create_engine, event, insert
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from frontdesk.core.clock import Clock, utcnow
from frontdesk.core.events import DomainEvent, EventRow
from frontdesk.core.models import table_of

T = TypeVar("T")
# Built once: events are written on every change, and building a statement costs more than
# running it.
_INSERT_EVENT = insert(table_of(EventRow)).returning(table_of(EventRow).c.id)


def normalize_url(url: str) -> str:
    # psycopg 3 is the PostgreSQL driver; accept the plain URL forms people paste.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass
class UnitOfWork:
    """What a service writes through: a session plus the events and jobs it recorded.

    Services never commit; the writer commits once and publishes `events` after the commit.
    """

    session: Session
    clock: Clock
    events: list[DomainEvent] = field(default_factory=list)
    jobs_enqueued: int = 0
    _now: datetime | None = None

    def now(self) -> datetime:
        # One timestamp per unit of work, so everything written together agrees on "when".
        if self._now is None:
            self._now = self.clock()
        return self._now

    def record(
        self,
        type: str,
        *,
        workspace_id: int,
        data: dict[str, Any],
        inbox_id: int | None = None,
        conversation_id: int | None = None,
        actor_user_id: int | None = None,
        user_ids: Sequence[int] = (),
    ) -> DomainEvent:
        created_at = self.now()
        event_id = self.session.execute(
            _INSERT_EVENT,
            {
                "workspace_id": workspace_id,
                "type": type,
                "inbox_id": inbox_id,
                "conversation_id": conversation_id,
                "actor_user_id": actor_user_id,
                "user_ids": list(user_ids) or None,
                "data": data,
                "created_at": created_at,
            },
        ).scalar_one()
        domain_event = DomainEvent(
            id=event_id,
            type=type,
            workspace_id=workspace_id,
            data=data,
            created_at=created_at,
            inbox_id=inbox_id,
            conversation_id=conversation_id,
            actor_user_id=actor_user_id,
            user_ids=tuple(user_ids),
        )
        self.events.append(domain_event)
        return domain_event


AfterCommit = Callable[[list[DomainEvent], int], Awaitable[None]]
# Runs inside a write's transaction, after its function, when it recorded events: work that
# must commit together with them or not at all (webhook deliveries of those events).
BeforeCommit = Callable[[UnitOfWork], None]


@dataclass
class _WriteJob:
    fn: Callable[[UnitOfWork], Any]
    loop: asyncio.AbstractEventLoop | None
    future: asyncio.Future[Any] | None
    done: threading.Event | None = None
    result: Any = None
    error: BaseException | None = None
    uow: UnitOfWork | None = None


_STOP = object()


def _configure_sqlite(engine: Engine, *, writer: bool, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE and savepoints work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
        # SQLite's lower() folds ASCII only; ILIKE searches must find "Пётр" by "пётр" too.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # The writer takes the lock up front: no deadlock upgrading a read lock later.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


def _json_dumps(value: Any) -> str:
    # orjson: JSON columns (event data above all) are written on every change.
    return orjson.dumps(value).decode()


def _unicode_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


class Database:
    def __init__(
        self,
        url: str,
        *,
        clock: Clock = utcnow,
        batch_size: int = 256,
        pool_size: int = 10,
        sqlite_synchronous: str = "FULL",
    ) -> None:
        self.url = normalize_url(url)
        self.clock = clock
        self.is_sqlite = self.url.startswith("sqlite")
        self.batch_size = batch_size
        self._after_commit: list[AfterCommit] = []
        self._before_commit: list[BeforeCommit] = []
        if self.is_sqlite:
            connect_args = {"check_same_thread": False}
            self.write_engine = create_engine(
                self.url,
                json_serializer=_json_dumps,
                json_deserializer=orjson.loads,
                poolclass=QueuePool,
                pool_size=1,
                max_overflow=2,
                connect_args=connect_args,
            )
            _configure_sqlite(self.write_engine, writer=True, synchronous=sqlite_synchronous)
            self.read_engine = create_engine(
                self.url,
                json_serializer=_json_dumps,
                json_deserializer=orjson.loads,
                poolclass=QueuePool,
                pool_size=pool_size,
                max_overflow=pool_size,
                connect_args=connect_args,
            )
            _configure_sqlite(self.read_engine, writer=False, synchronous=sqlite_synchronous)
        else:
            self.write_engine = create_engine(
                self.url,
                json_serializer=_json_dumps,
                json_deserializer=orjson.loads,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
            )
            self.read_engine = self.write_engine
        self._readers = ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="db-read")
        self._pg_writers = (
            None
            if self.is_sqlite
            else ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="db-write")
        )
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._writer_thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- wiring ---------------------------------------------------------------------------
    def add_after_commit(self, callback: AfterCommit) -> None:
        """Called after every successful commit with the events and the number of jobs queued."""
        self._after_commit.append(callback)

    def add_before_commit(self, hook: BeforeCommit) -> None:
        """Called in the transaction of every write that recorded events, after its function;
        what the hook writes commits with the write (or is rolled back with it)."""
        self._before_commit.append(hook)

    def _finish(self, uow: UnitOfWork) -> None:
        if uow.events:
            for hook in self._before_commit:
                hook(uow)

    def close(self) -> None:
        if self._writer_thread is not None:
            self._queue.put(_STOP)
            self._writer_thread.join(timeout=10)
            self._writer_thread = None
        self._readers.shutdown(wait=True)
        if self._pg_writers is not None:
            self._pg_writers.shutdown(wait=True)
        self.write_engine.dispose()
        self.read_engine.dispose()

    # -- reads ------------------------------------------------------------------------------
    def read_sync(self, fn: Callable[[Session], T]) -> T:
        with Session(self.read_engine, expire_on_commit=False) as session:
            return fn(session)

    async def read(self, fn: Callable[[Session], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, self.read_sync, fn)

    # -- writes -----------------------------------------------------------------------------
    async def write(self, fn: Callable[[UnitOfWork], T]) -> T:
        """Run `fn` in a transaction; after the commit, hand its events to the subscribers."""
        loop = asyncio.get_running_loop()
        if self.is_sqlite:
            self._ensure_writer()
            future: asyncio.Future[Any] = loop.create_future()
            job = _WriteJob(fn=fn, loop=loop, future=future)
            self._queue.put(job)
            await future
        else:
            job = _WriteJob(fn=fn, loop=None, future=None)
            assert self._pg_writers is not None
            await loop.run_in_executor(self._pg_writers, self._run_single, job)
        if job.error is not None:
            raise job.error
        uow = job.uow
        assert uow is not None
        if uow.events or uow.jobs_enqueued:
            for callback in self._after_commit:
                await callback(uow.events, uow.jobs_enqueued)
        return job.result  # type: ignore[no-any-return]

    def write_sync(self, fn: Callable[[UnitOfWork], T]) -> T:
        """Blocking write for the CLI and seeding; events are stored but not published live."""
        job = _WriteJob(fn=fn, loop=None, future=None)
        if self.is_sqlite and self._writer_thread is not None:
            job.done = threading.Event()
            self._queue.put(job)
            job.done.wait()
        else:
            self._run_single(job)
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[no-any-return]

    def _run_single(self, job: _WriteJob) -> None:
        try:
            with Session(self.write_engine, expire_on_commit=False) as session, session.begin():
                job.uow = UnitOfWork(session=session, clock=self.clock)
                job.result = job.fn(job.uow)
                self._finish(job.uow)
        except BaseException as exc:  # handed to the caller, who raises it
            job.error = exc

    def _ensure_writer(self) -> None:
        if self._writer_thread is None:
            with self._lock:
                if self._writer_thread is None:
                    self._writer_thread = threading.Thread(
                        target=self._writer_loop, name="db-writer", daemon=True
                    )
                    self._writer_thread.start()

    def _writer_loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch: list[_WriteJob] = [first]
            stop = False
            while len(batch) < self.batch_size:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop = True
                    break
                batch.append(nxt)
            self._run_batch(batch)
            if stop:
                return

    def _run_batch(self, batch: list[_WriteJob]) -> None:
        """Optimistic group commit: all writes in one transaction, one COMMIT.

        When write k fails, its error stands (it saw exactly the state the writes before it
        left, as it would have alone), the transaction is rolled back and the batch runs
        again without it. Write functions only touch the database, so running one again is
        safe. If the COMMIT itself fails, every write runs again alone.
        """
        pending = list(batch)
        while len(pending) > 1:
            failed: _WriteJob | None = None
            try:
                with Session(self.write_engine, expire_on_commit=False) as session:
                    session.begin()
                    for job in pending:
                        job.uow, job.result, job.error = None, None, None
                        job.uow = UnitOfWork(session=session, clock=self.clock)
                        try:
                            job.result = job.fn(job.uow)
                            self._finish(job.uow)
                            session.flush()
                        except BaseException as exc:
                            job.error, failed = exc, job
                            raise
                        # Each write starts from the database, not from objects a neighbour
                        # loaded and changed with a Core statement.
                        session.expunge_all()
                    session.commit()
            except BaseException:
                if failed is None:
                    for job in pending:
                        job.uow, job.result, job.error = None, None, None
                        self._run_single(job)
                    pending = []
                else:
                    pending.remove(failed)
                continue
            pending = []
        if pending:
            self._run_single(pending[0])
        for job in batch:
            self._resolve(job)

    @staticmethod
    def _resolve(job: _WriteJob) -> None:
        if job.done is not None:
            job.done.set()
        elif job.loop is not None and job.future is not None:
            # The caller's loop may be gone (it shut down while the write was queued); the
            # write is committed all the same, and the writer must live on for the others.
            with contextlib.suppress(RuntimeError):
                job.loop.call_soon_threadsafe(_set_done, job.future)


def _set_done(future: asyncio.Future[Any]) -> None:
    if not future.done():
        future.set_result(None)


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE/DELETE/INSERT touched (typed: Session.execute returns a plain Result)."""
    return int(cast("CursorResult[Any]", result).rowcount)
