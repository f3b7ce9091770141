"""Reading a mailbox over IMAP, by UID and read-only: mail is never deleted, moved or flagged.

The standard library's imaplib is blocking; callers run these functions in a thread
(`asyncio.to_thread`). A folder is opened with EXAMINE (read-only) and bodies are fetched with
BODY.PEEK[], so the customer's mailbox looks the same to every other client afterwards.
"""

from __future__ import annotations

import base64
import imaplib
import re
import ssl
from contextlib import suppress
from dataclasses import dataclass

from frontdesk.channels.email.schemas import EmailSettings, Security

__all__ = [
    "FetchedMail",
    "ImapError",
    "Mailbox",
    "MailboxStatus",
    "check",
    "encode_folder",
    "fetch",
    "mailbox_status",
]

_UID = re.compile(rb"\bUID (\d+)")


class ImapError(Exception):
    """The mailbox could not be read (connection, login, folder); the message says why."""


@dataclass(frozen=True)
class MailboxStatus:
    uidvalidity: int
    # UIDs above the last one stored, oldest first.
    new_uids: list[int]


@dataclass(frozen=True)
class FetchedMail:
    uid: int
    raw: bytes


def encode_folder(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 §5.1.3), quoted for a command."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            encoded = base64.b64encode(data).decode().rstrip("=").replace("/", ",")
            out.append(f"&{encoded}-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    encoded_name = "".join(out).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{encoded_name}"'


def _connect(config: EmailSettings, timeout: float) -> imaplib.IMAP4:
    try:
        if config.imap_security is Security.ssl:
            connection: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                config.imap_host,
                config.imap_port,
                ssl_context=ssl.create_default_context(),
                timeout=timeout,
            )
        else:
            connection = imaplib.IMAP4(config.imap_host, config.imap_port, timeout=timeout)
            if config.imap_security is Security.starttls:
                connection.starttls(ssl.create_default_context())
    except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
        raise ImapError(
            f"cannot connect to {config.imap_host}:{config.imap_port}: {_reason(exc)}"
        ) from exc
    try:
        connection.login(config.imap_username, config.imap_password)
    except (imaplib.IMAP4.error, OSError) as exc:
        _close(connection)
        raise ImapError(f"the IMAP server refused the login: {_reason(exc)}") from exc
    return connection


def _reason(exc: BaseException) -> str:
    text = exc.args[0] if exc.args else str(exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return str(text) or type(exc).__name__


def _close(connection: imaplib.IMAP4) -> None:
    with suppress(imaplib.IMAP4.error, OSError):
        connection.logout()


class Mailbox:
    """One logged-in IMAP connection with the inbox's folder open read-only (EXAMINE).

    Blocking: call its methods in a thread. Every failure is an ImapError with a reason."""

    def __init__(self, config: EmailSettings, *, timeout: float = 30.0) -> None:
        self.config = config
        self.timeout = timeout
        self.connection: imaplib.IMAP4 | None = None
        self.uidvalidity = 0

    def open(self) -> Mailbox:
        connection = _connect(self.config, self.timeout)
        try:
            typ, data = connection.select(encode_folder(self.config.imap_folder), readonly=True)
        except (imaplib.IMAP4.error, OSError) as exc:
            _close(connection)
            raise ImapError(f"the IMAP server failed: {_reason(exc)}") from exc
        if typ != "OK":
            _close(connection)
            detail = b" ".join(d for d in data if isinstance(d, bytes)).decode(errors="replace")
            raise ImapError(f"cannot open the folder {self.config.imap_folder!r}: {detail}")
        try:
            self.uidvalidity = _uidvalidity(connection)
        except ImapError:
            _close(connection)
            raise
        self.connection = connection
        return self

    def close(self) -> None:
        if self.connection is not None:
            _close(self.connection)
            self.connection = None

    def __enter__(self) -> Mailbox:
        return self.open()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _open(self) -> imaplib.IMAP4:
        if self.connection is None:
            raise ImapError("the mailbox is not open")
        return self.connection

    def status(self, *, after_uid: int) -> MailboxStatus:
        try:
            return mailbox_status(self._open(), uidvalidity=self.uidvalidity, after_uid=after_uid)
        except (imaplib.IMAP4.error, OSError) as exc:
            raise ImapError(f"the IMAP server failed: {_reason(exc)}") from exc

    def fetch(self, uids: list[int]) -> list[FetchedMail]:
        try:
            return fetch(self._open(), uids)
        except (imaplib.IMAP4.error, OSError) as exc:
            raise ImapError(f"the IMAP server failed: {_reason(exc)}") from exc

    def count(self) -> int:
        _typ, data = self._open().response("EXISTS")
        return next((int(d) for d in data or [] if isinstance(d, bytes) and d.isdigit()), 0)


def _uidvalidity(connection: imaplib.IMAP4) -> int:
    """UIDVALIDITY of the folder just opened (imaplib hands each response out once)."""
    _typ, data = connection.response("UIDVALIDITY")
    for item in data or []:
        if isinstance(item, bytes) and item.strip().isdigit():
            return int(item)
    # Every server sends it on SELECT/EXAMINE (RFC 3501); without it, UIDs may be reused.
    raise ImapError("the IMAP server did not say the folder's UIDVALIDITY")


def mailbox_status(connection: imaplib.IMAP4, *, uidvalidity: int, after_uid: int) -> MailboxStatus:
    """The UIDs above `after_uid` in the open folder."""
    typ, data = connection.uid("SEARCH", f"UID {after_uid + 1}:*")
    if typ != "OK":
        raise ImapError("the IMAP server refused to list the folder's messages")
    uids = sorted(
        {
            int(u)
            for chunk in data
            if isinstance(chunk, bytes)
            for u in chunk.split()
            if u.isdigit() and int(u) > after_uid  # "n:*" always names the newest mail
        }
    )
    return MailboxStatus(uidvalidity=uidvalidity, new_uids=uids)


def fetch(connection: imaplib.IMAP4, uids: list[int]) -> list[FetchedMail]:
    """The raw bytes of these mails (BODY.PEEK: the \\Seen flag is left alone)."""
    if not uids:
        return []
    typ, data = connection.uid("FETCH", ",".join(str(u) for u in uids), "(UID BODY.PEEK[])")
    if typ != "OK":
        raise ImapError("the IMAP server refused to hand out messages")
    found: dict[int, bytes] = {}
    for item in data:
        if not isinstance(item, tuple) or len(item) < 2:
            continue
        head, body = item[0], item[1]
        match = _UID.search(head) if isinstance(head, bytes) else None
        if match is None or not isinstance(body, bytes):
            continue
        found[int(match.group(1))] = body
    return [FetchedMail(uid=u, raw=found[u]) for u in uids if u in found]


def check(config: EmailSettings, *, timeout: float = 15.0) -> str:
    """Log in and open the folder: what is there, or ImapError."""
    with Mailbox(config, timeout=timeout) as mailbox:
        count = mailbox.count()
    return f"logged in; the folder {config.imap_folder} holds {count} messages"
