"""The `frontdesk` command: migrate, user create, token create, and clear refusals."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import websockets
from sqlalchemy import text
from typer.testing import CliRunner

from frontdesk.app import create_app
from frontdesk.cli import app as cli
from frontdesk.core.db import Database
from frontdesk.settings import Settings
from tests.conftest import free_port
from tests.realtime.test_scale_out import AppProcess

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FRONTDESK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("FRONTDESK_DATABASE_URL", raising=False)
    monkeypatch.delenv("FRONTDESK_REDIS_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env file is read
    return tmp_path


def test_migrate_user_and_token_make_a_working_login(env: Path) -> None:
    result = runner.invoke(cli, ["migrate"])
    assert result.exit_code == 0, result.output
    assert (env / "frontdesk.db").exists()
    result = runner.invoke(
        cli,
        ["user", "create", "--email", "boss@shop.example.com", "--name", "Boss",
         "--role", "admin", "--password", "long-enough-pw"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "created admin boss@shop.example.com" in result.output
    result = runner.invoke(cli, ["token", "create", "--email", "boss@shop.example.com"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("fdt_")

    async def check() -> None:
        app = create_app(Settings(_env_file=None))  # type: ignore[call-arg]
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                me = await client.get(
                    "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
                )
                assert me.status_code == 200 and me.json()["role"] == "admin"
                login = await client.post(
                    "/api/v1/auth/login",
                    json={"email": "boss@shop.example.com", "password": "long-enough-pw"},
                )
                assert login.status_code == 200

    import asyncio

    asyncio.run(check())


def test_bad_input_gets_a_clear_message_not_a_traceback(env: Path) -> None:
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    args = ["user", "create", "--email", "a@shop.example.com", "--name", "A"]
    assert runner.invoke(cli, args).exit_code == 0

    again = runner.invoke(cli, args)
    assert again.exit_code == 2
    assert "already exists" in again.output and "Traceback" not in again.output

    bad_email = runner.invoke(cli, ["user", "create", "--email", "nope", "--name", "B"])
    assert bad_email.exit_code == 2 and "email" in bad_email.output

    short = runner.invoke(
        cli, ["user", "create", "--email", "b@shop.example.com", "--name", "B", "--password", "x"]
    )
    assert short.exit_code == 2 and "password" in short.output

    bad_role = runner.invoke(
        cli, ["user", "create", "--email", "c@shop.example.com", "--name", "C", "--role", "boss"]
    )
    assert bad_role.exit_code == 2

    unknown = runner.invoke(cli, ["token", "create", "--email", "ghost@shop.example.com"])
    assert unknown.exit_code == 2 and "no user" in unknown.output

    missing_ws = runner.invoke(
        cli, ["user", "create", "--email", "d@shop.example.com", "--name", "D",
              "--workspace", "nowhere"],
    )  # fmt: skip
    assert missing_ws.exit_code == 2 and "nowhere" in missing_ws.output


def test_several_processes_on_postgresql_without_redis_are_refused_with_the_reason(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTDESK_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    result = runner.invoke(cli, ["serve", "--workers", "2"])
    assert result.exit_code == 2
    assert "PostgreSQL" in result.output and "Redis" in result.output


def test_serve_on_postgresql_without_redis_warns_that_the_workers_updates_are_not_live(
    env: Path,
) -> None:
    # A real process: the warning is printed before uvicorn starts, and uvicorn exits at once
    # on a port already taken (the database is never reached).
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [str(Path(sys.executable).with_name("frontdesk")), "serve", "--port", str(port)],
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")},
                "FRONTDESK_DATA_DIR": str(env),
                "FRONTDESK_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/nowhere",
            },
            cwd=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    warning = " ".join(result.stderr.split())
    assert "warning: on PostgreSQL without FRONTDESK_REDIS_URL" in warning, result.stderr
    assert "only when they reload" in warning


def test_demo_seeds_once_and_prints_where_to_go_and_the_logins(env: Path) -> None:
    first = runner.invoke(cli, ["demo", "--seed-only", "--conversations", "12", "--port", "8123"])
    assert first.exit_code == 0, first.output
    assert "http://127.0.0.1:8123/app/" in first.output
    assert "admin@demo.frontdesk.example.com" in first.output
    assert "demo-password" in first.output
    preview = re.search(
        r"^Website chat preview: http://127\.0\.0\.1:8123/widget/preview/(\S+)$",
        first.output,
        re.MULTILINE,
    )
    assert preview is not None, first.output
    # The demo workspace's first webchat inbox.
    db = Database(Settings().resolved_database_url)
    try:
        shown = db.read_sync(
            lambda s: s.execute(
                text(
                    "SELECT i.public_id FROM inboxes i JOIN workspaces w ON w.id = i.workspace_id "
                    "WHERE w.slug = 'demo' AND i.channel_type = 'webchat' ORDER BY i.id LIMIT 1"
                )
            ).scalar_one()
        )
    finally:
        db.close()
    assert preview.group(1) == shown
    again = runner.invoke(cli, ["demo", "--seed-only", "--port", "8123"])
    assert again.exit_code == 0, again.output
    assert "admin@demo.frontdesk.example.com" in again.output
    assert preview.group(0) in again.output

    bad = runner.invoke(cli, ["demo", "--seed-only", "--conversations", "0"])
    assert bad.exit_code == 2


@pytest.mark.parametrize(("setting", "compressed"), [(None, False), ("true", True)])
def test_websockets_are_not_compressed_unless_configured(
    env: Path, tmp_path: Path, setting: str | None, compressed: bool
) -> None:
    # Browsers always offer permessage-deflate: the server's answer decides (a real uvicorn,
    # since the option is the server's, not the app's).
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    extra = {"FRONTDESK_WS_COMPRESSION": setting} if setting else {}
    app = AppProcess(Settings(), tmp_path, "serve", extra_env=extra)
    try:
        app.wait_ready()

        async def handshake() -> str | None:
            url = app.url.replace("http", "ws") + "/api/v1/ws"
            async with websockets.connect(url, compression="deflate") as ws:
                assert ws.response is not None
                return ws.response.headers.get("Sec-WebSocket-Extensions")

        extensions = asyncio.run(handshake())
    finally:
        app.stop()
    assert ("permessage-deflate" in (extensions or "")) is compressed, extensions


def test_the_worker_stops_cleanly_on_sigterm(env: Path) -> None:
    # What systemd and `docker stop` send: the worker finishes what it holds and exits 0,
    # instead of dying with its jobs left to their leases.
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("frontdesk")), "worker"],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")},
            "FRONTDESK_DATA_DIR": str(env),
        },
        cwd=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert "outbox worker running" in process.stdout.readline()
        time.sleep(0.5)  # past the start, into the loop
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, output
    assert "stopped" in output


def test_the_demo_serves_its_chat_preview_at_its_own_address(env: Path) -> None:
    # On another port than the default base URL's: unless FRONTDESK_BASE_URL says otherwise,
    # the demo's address is the desk's, so the preview's snippet loads from it and the widget
    # lets its pages in.
    port = free_port()
    log = env / "demo.log"
    with log.open("wb") as out:
        frontdesk = str(Path(sys.executable).with_name("frontdesk"))
        process = subprocess.Popen(
            [frontdesk, "demo", "--port", str(port), "--conversations", "12"],
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")},
                "FRONTDESK_DATA_DIR": str(env),
                "PYTHONUNBUFFERED": "1",
            },
            cwd=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    desk = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            try:
                if httpx.get(f"{desk}/healthz", timeout=1, trust_env=False).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        printed = log.read_text()
        found = re.search(
            rf"Website chat preview: ({re.escape(desk)}/widget/preview/(\S+))", printed
        )
        assert found is not None, printed
        page = httpx.get(found.group(1), trust_env=False, timeout=10)
        assert page.status_code == 200, page.text
        assert f'<script async src="{desk}/widget.js" data-inbox="{found.group(2)}">' in page.text
        config = httpx.get(
            f"{desk}/widget/v1/{found.group(2)}/config",
            headers={"Origin": desk},
            trust_env=False,
            timeout=10,
        )
        assert config.status_code == 200, config.text
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
