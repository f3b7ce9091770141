"""The `frontdesk` command."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
import uvicorn
from rich.console import Console

from frontdesk.core.db import Database, UnitOfWork
from frontdesk.core.principal import Role
from frontdesk.settings import Settings

app = typer.Typer(
    help="Frontdesk: a self-hosted omnichannel customer-service desk.", no_args_is_help=True
)
user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
token_app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
console = Console()
err = Console(stderr=True)
T = TypeVar("T")


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=2)


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    from frontdesk.core.migrate import upgrade

    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    console.print("database is up to date")


def _serve(
    host: str,
    port: int,
    *,
    run_worker: bool,
    workers: int = 1,
    access_log: bool = False,
    settings: Settings | None = None,
) -> None:
    from frontdesk.app import create_app

    settings = settings or Settings()
    if not settings.redis_url:
        if settings.is_sqlite and (workers > 1 or not run_worker):
            # Events committed by other processes (siblings, `frontdesk worker`) reach this
            # one's websockets by tailing SQLite's events table.
            settings = settings.model_copy(update={"tail_events": True})
        elif workers > 1:
            raise _fail(
                "several processes on PostgreSQL need Redis (FRONTDESK_REDIS_URL) to share "
                "live events"
            )
        elif not run_worker:
            err.print(
                "[yellow]warning:[/yellow] on PostgreSQL without FRONTDESK_REDIS_URL, what "
                "`frontdesk worker` commits (delivery statuses, mail read, snoozed "
                "conversations waking up) reaches agents' screens only when they reload: "
                "set FRONTDESK_REDIS_URL for live updates (or serve --with-worker)"
            )
    if workers > 1:
        # uvicorn's processes read their settings from the environment.
        if settings.tail_events:
            os.environ["FRONTDESK_TAIL_EVENTS"] = "1"
        os.environ["FRONTDESK_RUN_WORKER"] = "1" if run_worker else "0"
        uvicorn.run(
            "frontdesk.cli:_factory",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            access_log=access_log,
            proxy_headers=True,
            ws_per_message_deflate=settings.ws_compression,
        )
        return
    uvicorn.run(
        create_app(settings, run_worker=run_worker, tune_gc=True),
        host=host,
        port=port,
        log_level="info",
        # A log line per request costs more than some requests: /metrics counts them instead.
        access_log=access_log,
        proxy_headers=True,
        ws_per_message_deflate=settings.ws_compression,
    )


def _factory():  # type: ignore[no-untyped-def]  # uvicorn's multi-process entry point
    from frontdesk.app import create_app

    return create_app(
        Settings(), run_worker=os.environ.get("FRONTDESK_RUN_WORKER") == "1", tune_gc=True
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[
        int, typer.Option(help="processes (on SQLite they share its one write lock)")
    ] = 1,
    with_worker: Annotated[bool, typer.Option(help="also run the outbox worker")] = False,
    access_log: Annotated[bool, typer.Option(help="log every request")] = False,
) -> None:
    """Serve the web app and API (run `frontdesk worker` beside it, or --with-worker)."""
    _serve(host, port, run_worker=with_worker, workers=workers, access_log=access_log)


@app.command()
def worker() -> None:
    """Run the outbox worker: deliveries, notifications, timers."""
    from frontdesk.app import run_worker_process

    settings = Settings()
    logging.basicConfig(level=logging.INFO)

    async def main() -> None:
        # SIGTERM (systemd, docker stop) and Ctrl+C stop taking jobs and let the one under way
        # finish, instead of leaving it to be taken over when its lease runs out.
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await run_worker_process(settings, stop)

    console.print("outbox worker running; Ctrl+C to stop")
    asyncio.run(main())
    console.print("stopped")


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    seed_only: Annotated[bool, typer.Option(help="seed and exit without serving")] = False,
    conversations: Annotated[
        int, typer.Option(min=1, max=1_000_000, help="how many conversations to seed")
    ] = 1000,
) -> None:
    """Migrate, seed a demo workspace once, and serve web + worker in one process."""
    from frontdesk.channels.webchat import rules
    from frontdesk.core.migrate import upgrade
    from frontdesk.demo.seed import DEMO_PASSWORD, DemoSize, seed_demo

    url = f"http://{host}:{port}"
    settings = Settings()
    if "base_url" not in settings.model_fields_set:
        # The desk's address is the demo's own unless configured: the widget's snippet, its
        # preview page and the webhook URLs shown then point where the demo runs.
        settings = settings.model_copy(update={"base_url": url})
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    # About one contact for every five conversations, as in the default demo (200 : 1,000).
    size = DemoSize(contacts=max(10, conversations // 5), conversations=conversations)
    result = seed_demo(settings, console=console, size=size)
    console.print(f"\n[bold]Frontdesk demo[/bold] at [link={url}]{url}[/link]")
    console.print(f"Agent workspace: [link={url}/app/]{url}/app/[/link]")
    console.print(f"API docs: {url}/api/docs")
    if result.webchat_public_id:
        preview = rules.preview_url(url, result.webchat_public_id)
        console.print(f"Website chat preview: [link={preview}]{preview}[/link]", soft_wrap=True)
    console.print(f"Logins (password [bold]{DEMO_PASSWORD}[/bold]):")
    for email, role in result.logins:
        console.print(f"  {role:<11} {email}")
    if not seed_only:
        _serve(host, port, run_worker=True, settings=settings)


def _session_write(fn: Callable[[UnitOfWork], T]) -> T:
    settings = Settings()
    db = Database(settings.resolved_database_url)
    try:
        return db.write_sync(fn)
    finally:
        db.close()


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="login e-mail")],
    name: Annotated[str, typer.Option(help="display name")],
    role: Annotated[Role, typer.Option(help="agent, supervisor or admin")] = Role.agent,
    password: Annotated[str | None, typer.Option(help="at least 8 characters")] = None,
    workspace: Annotated[
        str | None, typer.Option(help="workspace slug (default: first; created when none exists)")
    ] = None,
) -> None:
    """Create a user (and the first workspace when the database has none)."""
    from pydantic import ValidationError

    from frontdesk.core.errors import Problem
    from frontdesk.team import repository as team_repository
    from frontdesk.team import service as team_service
    from frontdesk.team.schemas import UserCreate, UserOut

    try:
        data = UserCreate(email=email, name=name, role=role, password=password)
    except ValidationError as exc:
        raise _fail(
            "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        ) from exc

    def create(uow: UnitOfWork) -> UserOut:
        ws = (
            team_repository.get_workspace_by_slug(uow.session, slug=workspace)
            if workspace
            else team_repository.first_workspace(uow.session)
        )
        if ws is None:
            if workspace is None:
                ws = team_service.create_workspace(uow, name="My workspace", slug="default")
            else:
                raise Problem(f"no workspace '{workspace}'")
        return team_service.create_user(uow, workspace_id=ws.id, data=data)

    try:
        user = _session_write(create)
    except Problem as exc:
        raise _fail(exc.detail) from exc
    console.print(f"created {user.role.value} {user.email} (id {user.id})")


@token_app.command("create")
def token_create(
    email: Annotated[str, typer.Option(help="the user the token acts as")],
    name: Annotated[str, typer.Option(help="what the token is for")] = "cli",
) -> None:
    """Create an API token and print it (it is shown only once)."""
    from frontdesk.auth import service as auth_service
    from frontdesk.auth.service import NewApiToken
    from frontdesk.core.errors import Problem
    from frontdesk.team import service as team_service

    def create(uow: UnitOfWork) -> NewApiToken:
        user = team_service.find_user_by_email(uow.session, email=email)
        if user is None:
            raise Problem(f"no user with e-mail {email}")
        return auth_service.create_token(uow, user_id=user.id, name=name)

    try:
        token = _session_write(create)
    except Problem as exc:
        raise _fail(exc.detail) from exc
    print(token.token)


@app.command("import-mail")
def import_mail(
    paths: Annotated[list[Path], typer.Argument(help=".eml files, folders of them, or mbox files")],
    inbox: Annotated[str, typer.Option(help="the e-mail inbox's id (or public id)")],
    workspace: Annotated[
        str | None, typer.Option(help="workspace slug of the inbox (default: the first)")
    ] = None,
) -> None:
    """Import mail into an e-mail inbox (moving from another desk), idempotent by Message-ID."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
    from rich.table import Table
    from sqlalchemy.orm import Session

    from frontdesk.channels.email.importer import ImportSourceError, import_mail, sources
    from frontdesk.core.errors import Problem
    from frontdesk.core.storage import LocalStorage
    from frontdesk.inboxes import service as inbox_service
    from frontdesk.inboxes.service import ChannelInbox
    from frontdesk.team import repository as team_repository

    settings = Settings()
    try:
        mails = sources(paths)
    except ImportSourceError as exc:
        raise _fail(str(exc)) from exc
    db = Database(settings.resolved_database_url)
    try:

        def find(session: Session) -> ChannelInbox:
            if not inbox.isdecimal():
                found = inbox_service.channel_inbox(session, public_id=inbox)
                if found is None:
                    raise Problem(f"no inbox with the public id {inbox}")
                return found
            ws = (
                team_repository.get_workspace_by_slug(session, slug=workspace)
                if workspace
                else team_repository.first_workspace(session)
            )
            if ws is None:
                raise Problem(f"no workspace '{workspace}'" if workspace else "no workspace yet")
            return inbox_service.channel_inbox_by_id(
                session, workspace_id=ws.id, inbox_id=int(inbox)
            )

        try:
            target = db.read_sync(find)
        except Problem as exc:
            raise _fail(exc.detail) from exc
        except Exception as exc:  # no database or no schema: say so, not a traceback
            raise _fail(
                f"cannot read the database ({type(exc).__name__}): run `frontdesk migrate` first"
            ) from exc
        if target.channel_type != "email":
            raise _fail(f"inbox {inbox} is a {target.channel_type} inbox, not an e-mail inbox")
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("importing mail", total=len(mails))
            summary = import_mail(
                db=db,
                settings=settings,
                storage=LocalStorage(settings.attachments_dir),
                inbox=target,
                mails=mails,
                progress=lambda n: bar.advance(task, n),
            )
    finally:
        db.close()
    table = Table(title=f"import into inbox {target.id}", show_header=False)
    table.add_row("mails read", str(summary.read))
    table.add_row("imported", str(summary.imported))
    table.add_row("  of them threaded into a conversation", str(summary.threaded))
    table.add_row("already there (same Message-ID)", str(summary.duplicates))
    table.add_row("bounces applied", str(summary.bounces))
    table.add_row("skipped", str(summary.skipped_total))
    for reason, count in summary.skipped.most_common():
        table.add_row(f"  {reason}", str(count))
    console.print(table)
