"""A real IMAP server for tests: Debian's dovecot on 127.0.0.1 and a free port.

Started with a config of its own in a temporary folder (mail in a Maildir there, one user in
a passwd file), never touching the machine's dovecot. `./scripts/test` installs dovecot when
it runs as root; without it the tests that need it are skipped, with the reason.

    server = Dovecot().start()
    server.append(raw_mail, folder="Support")     # a customer's mail arrives
    server.recreate(folder="Support")             # a new UIDVALIDITY
    server.stop()

As root, dovecot's login processes must run as an unprivileged user (dovenull) and mail may
not belong to root, so the mail belongs to the `dovecot` user; as anyone else, everything runs
as that user.
"""

from __future__ import annotations

import contextlib
import ctypes
import getpass
import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from frontdesk.channels.email.imap import encode_folder
from tests.conftest import free_port

DOVECOT = Path("/usr/sbin/dovecot")
USER = "desk@example.com"
PASSWORD = "imap-secret"


def _stop_with_parent() -> None:
    """In the child before exec: SIGTERM when the parent dies (Linux prctl PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def available() -> bool:
    return DOVECOT.exists() and os.access(DOVECOT, os.X_OK)


class Dovecot:
    def __init__(self) -> None:
        self.port = free_port()
        self.host = "127.0.0.1"
        self.user = USER
        self.password = PASSWORD
        self.root = Path(tempfile.mkdtemp(prefix="frontdesk-dovecot-"))
        self._process: subprocess.Popen[bytes] | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def _config(self) -> str:
        root = self.root
        if os.geteuid() == 0:
            mail_user = pwd.getpwnam("dovecot")
            login_user, internal_user = "dovenull", "dovecot"
        else:
            mail_user = pwd.getpwuid(os.geteuid())
            login_user = internal_user = getpass.getuser()
        internal_group = grp.getgrgid(pwd.getpwnam(internal_user).pw_gid).gr_name
        os.chown(root / "mail", mail_user.pw_uid, mail_user.pw_gid)
        return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = {mail_user.pw_uid}
last_valid_uid = 0
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
service stats {{
  chroot =
}}
"""

    def start(self) -> Dovecot:
        # Login and internal processes run as other users: they must reach the sockets.
        self.root.chmod(0o755)
        for folder in ("run", "state", "mail"):
            (self.root / folder).mkdir(exist_ok=True)
        (self.root / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
        config = self.root / "dovecot.conf"
        config.write_text(self._config())
        # In the foreground, as our child, told to stop when we die: a test run killed
        # hard (a CI timeout) leaves no IMAP server behind.
        self._process = subprocess.Popen(
            [str(DOVECOT), "-F", "-c", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_stop_with_parent,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    break
            except OSError:
                pass
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"dovecot did not start: {self.log()}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    # -- the mailbox ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def client(self) -> Iterator[imaplib.IMAP4]:
        connection = imaplib.IMAP4(self.host, self.port, timeout=30)
        connection.login(self.user, self.password)
        try:
            yield connection
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                connection.logout()

    def create(self, folder: str) -> None:
        with self.client() as imap:
            typ, data = imap.create(_quoted(folder))
            assert typ == "OK" or b"exists" in b" ".join(data).lower(), data

    def recreate(self, folder: str) -> None:
        """Delete and create the folder again: the server gives it a new UIDVALIDITY."""
        with self.client() as imap:
            imap.delete(_quoted(folder))
            typ, data = imap.create(_quoted(folder))
            assert typ == "OK", data

    def append(self, raw: bytes, *, folder: str = "INBOX") -> None:
        self.append_many([raw], folder=folder)

    def append_many(self, raws: Iterable[bytes], *, folder: str = "INBOX") -> int:
        count = 0
        with self.client() as imap:
            for raw in raws:
                typ, data = imap.append(_quoted(folder), None, None, raw)
                assert typ == "OK", data
                count += 1
        return count

    def messages(self, folder: str = "INBOX") -> list[tuple[int, set[str]]]:
        """(UID, flags) of every mail in the folder: what reading it left behind."""
        with self.client() as imap:
            typ, _ = imap.select(_quoted(folder), readonly=True)
            assert typ == "OK"
            typ, data = imap.uid("FETCH", "1:*", "(UID FLAGS)")
        found = []
        for item in data:
            if not isinstance(item, bytes) or b"UID" not in item:
                continue
            text = item.decode()
            uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
            flags = (
                set(text.split("FLAGS (")[1].split(")")[0].split()) if "FLAGS (" in text else set()
            )
            found.append((uid, flags))
        return found

    def inbox_settings(self, *, folder: str, smtp_port: int, address: str) -> dict[str, object]:
        """The e-mail inbox settings that read this server's folder (and send via `smtp_port`)."""
        return {
            "email": address,
            "from_name": "Shop support",
            "imap_host": self.host,
            "imap_port": self.port,
            "imap_security": "none",
            "imap_username": self.user,
            "imap_password": self.password,
            "imap_folder": folder,
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_security": "none",
        }


def _quoted(folder: str) -> str:
    return encode_folder(folder)
