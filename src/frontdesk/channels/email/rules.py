"""E-mail rules: pure functions with no I/O.

What kind of mail this is (auto-reply, bounce, bulk), where the customer's new text ends and
the quoted history begins, how replies are threaded (Message-ID / In-Reply-To / References,
then a reply token in the plus address, then a subject tag like ``[#123]``), and how our own
replies are addressed so that the customer's mail client threads them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "MAX_REFERENCES",
    "Classification",
    "classify",
    "clean_message_id",
    "customer_address",
    "make_message_id",
    "next_poll_at",
    "parse_our_message_id",
    "parse_reply_token",
    "parse_subject_tag",
    "reply_address",
    "reply_subject",
    "reply_token",
    "split_message_ids",
    "split_quoted",
    "thread_references",
]

# References grow by one id per reply; clients keep the first and the last ones (RFC 5322 §3.6.4).
MAX_REFERENCES = 20

# ------------------------------------------------------------------------- classification
_AUTO_SUBJECT = re.compile(
    r"^\s*(?:"
    r"auto(?:matic)?[ -]?(?:reply|response|antwort)|autoreply|auto:|"
    r"out of (?:the )?office|vacation|on vacation|abwesenheit|absence|r[ée]ponse automatique|"
    r"автоматический ответ|автоответ|автоответчик|нет на месте|в отпуске|отпуск"
    r")",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(?:"
    r"undeliver(?:ed|able)|delivery status notification|delivery (?:has )?failed|"
    r"delivery failure|mail delivery failed|failure notice|returned mail|"
    r"mail system error|non[- ]?delivery|message not delivered|"
    r"недоставленное сообщение|не удалось доставить|сообщение не доставлено"
    r")",
    re.IGNORECASE,
)
_DAEMON_LOCAL = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon)$", re.I)


@dataclass(frozen=True)
class Classification:
    """Why a mail must never get an automatic answer; all False for a person's mail."""

    auto_reply: bool = False
    bounce: bool = False
    bulk: bool = False

    @property
    def automated(self) -> bool:
        return self.auto_reply or self.bounce or self.bulk


def _header(headers: Mapping[str, str], name: str) -> str:
    return (headers.get(name.lower()) or "").strip().lower()


def classify(
    headers: Mapping[str, str],
    *,
    subject: str,
    sender: str | None,
    content_type: str,
    report_type: str | None,
) -> Classification:
    """Classify a mail by its headers (names lower-cased) and a few facts of its body.

    Bounces: a DSN (multipart/report; report-type=delivery-status), or mail from the
    mailer-daemon/postmaster, or an empty return path with a bounce subject. Auto-replies:
    Auto-Submitted other than "no" (RFC 3834), X-Autoreply / X-Autorespond,
    Precedence: auto_reply, X-Auto-Response-Suppress naming OOF or AutoReply, a read receipt
    (report-type=disposition-notification), or a vacation subject. Bulk mail: List-Unsubscribe,
    List-Id or Precedence bulk/list/junk.
    """
    local = (sender or "").rsplit("@", 1)[0]
    return_path = _header(headers, "return-path")
    is_report = content_type.lower() == "multipart/report"
    report = (report_type or "").lower()
    bounce = (
        (is_report and report == "delivery-status")
        or bool(_DAEMON_LOCAL.match(local))
        or (return_path in ("<>", "") and "return-path" in headers and _is_bounce_subject(subject))
        or (not sender and _is_bounce_subject(subject))
    )
    auto_submitted = _header(headers, "auto-submitted")
    precedence = _header(headers, "precedence")
    suppress = _header(headers, "x-auto-response-suppress")
    auto_reply = (
        (auto_submitted not in ("", "no"))
        or _header(headers, "x-autoreply") not in ("", "no")
        or "x-autorespond" in headers
        or precedence == "auto_reply"
        or any(word in suppress for word in ("oof", "autoreply"))
        or (is_report and report == "disposition-notification")
        or bool(_AUTO_SUBJECT.match(subject))
    )
    bulk = (
        "list-unsubscribe" in headers
        or "list-id" in headers
        or precedence in ("bulk", "list", "junk")
    )
    # A bounce is the more specific fact (it marks our message failed); most carry
    # Auto-Submitted too, which is not a separate auto-reply.
    return Classification(auto_reply=auto_reply and not bounce, bounce=bounce, bulk=bulk)


def _is_bounce_subject(subject: str) -> bool:
    return bool(_BOUNCE_SUBJECT.match(subject))


# ------------------------------------------------------------------------- quoted history
# "On Mon, 1 Jan 2024 at 10:00, Ann <ann@example.com> wrote:" and its translations; the verb
# may stand before the name ("Am 1.1.2024 schrieb Ann <ann@example.com>:").
_ATTRIBUTION_START = re.compile(r"^\s*(?:on|am|le|el|il|op|em|w dniu)\b", re.IGNORECASE)
_ATTRIBUTION_VERB = re.compile(
    r"\b(?:wrote|schrieb|a [ée]crit|escribi[óo]|ha scritto|scrisse|schreef|escreveu|napisa[łl])",
    re.IGNORECASE,
)
_RU_ATTRIBUTION = re.compile(r"(?:написал\(а\)|написала|написал|пишет)\s*:\s*$", re.IGNORECASE)
# Mail.ru: "Понедельник, 2 марта 2026, 10:30 +03:00 от Магазин <support@shop.example>:"
_RU_FROM_ATTRIBUTION = re.compile(r"\d.{0,120}\sот\s.{0,200}@[^\s>]+>?\s*:$", re.IGNORECASE)


def _is_attribution(line: str) -> bool:
    text = line.strip()
    if not text.endswith(":") or len(text) > 400:
        return False
    if _RU_ATTRIBUTION.search(text) or _RU_FROM_ATTRIBUTION.search(text):
        return True
    return bool(_ATTRIBUTION_START.match(text) and _ATTRIBUTION_VERB.search(text))


_SEPARATOR = re.compile(
    r"^\s*(?:-{2,}|_{5,})\s*(?:original message|forwarded message|исходное сообщение|"
    r"пересылаемое сообщение|ursprüngliche nachricht|message d'origine)?\s*-*\s*$",
    re.IGNORECASE,
)
_OUTLOOK_FROM = re.compile(r"^\s*\*?(?:from|от|de|von)\s*:\*?\s+\S", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(
    r"^\s*\*?(?:sent|date|отправлено|дата|envoy[ée]|gesendet|to|кому|subject|тема)\s*:",
    re.IGNORECASE,
)


def _is_outlook_header(lines: Sequence[str], i: int) -> bool:
    if not _OUTLOOK_FROM.match(lines[i]):
        return False
    following = [line for line in lines[i + 1 : i + 5] if line.strip()]
    return any(_OUTLOOK_NEXT.match(line) for line in following[:3])


def _quote_start(lines: Sequence[str]) -> int | None:
    for i, line in enumerate(lines):
        if _is_attribution(line):
            return i
        # Gmail wraps a long attribution: "On ..., Ann <ann@" / "example.com> wrote:".
        if (
            i + 1 < len(lines)
            and _ATTRIBUTION_START.match(line)
            and _is_attribution(f"{line.rstrip()} {lines[i + 1].strip()}")
        ):
            return i
        if _SEPARATOR.match(line) and line.strip().strip("-_"):
            return i
        if _is_outlook_header(lines, i):
            # A separator line right above belongs to the quote as well.
            if i > 0 and re.match(r"^\s*[-_]{5,}\s*$", lines[i - 1]):
                return i - 1
            return i
        if line.startswith(">") and all(
            not rest.strip() or rest.startswith(">") for rest in lines[i:]
        ):
            return i
    return None


def split_quoted(text: str) -> tuple[str, str]:
    """The customer's new text, and the quoted history below it ("" when there is none).

    The history is only split off when new text stands above it: a mail that is nothing but
    a quote, or that answers between the quoted lines, is kept whole.
    """
    lines = text.splitlines()
    start = _quote_start(lines)
    if start is None:
        return text.strip(), ""
    new = "\n".join(lines[:start]).strip()
    if not new:
        return text.strip(), ""
    return new, "\n".join(lines[start:]).strip()


# -------------------------------------------------------------------------- message ids
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


def clean_message_id(value: str | None) -> str | None:
    """A Message-ID without its angle brackets and blanks; None when there is none."""
    if not value:
        return None
    found = _MESSAGE_ID.search(value)
    cleaned = found.group(1) if found else value.strip().strip("<>").strip()
    cleaned = "".join(cleaned.split())
    return cleaned or None


def split_message_ids(value: str | None) -> list[str]:
    """Every Message-ID in an In-Reply-To or References header, in order, without repeats.

    Invalid entries next to valid ones are dropped; a bare id without brackets is kept.
    """
    if not value:
        return []
    found = _MESSAGE_ID.findall(value)
    if not found:
        bare = clean_message_id(value)
        found = [bare] if bare and " " not in value.strip() else []
    return list(dict.fromkeys(found))


def make_message_id(*, message_id: int, conversation_id: int, domain: str, secret: str) -> str:
    """Our Message-ID for an outgoing message: stable (a retried send is the same mail to the
    receiving server), naming its conversation (a reply or a bounce that quotes it finds its
    way back without a lookup) and signed (nobody threads into a conversation by inventing one).
    """
    tag = _sign(f"mid:{conversation_id}:{message_id}", secret)
    return f"frontdesk.c{conversation_id}.m{message_id}.{tag}@{domain}"


_OUR_MESSAGE_ID = re.compile(
    r"^frontdesk\.c(\d{1,18})\.m(\d{1,18})\.([0-9a-f]{16})@", re.IGNORECASE
)


def parse_our_message_id(value: str, *, secret: str) -> tuple[int, int] | None:
    """(conversation id, message id) of one of our Message-IDs whose signature is genuine."""
    found = _OUR_MESSAGE_ID.match(value or "")
    if found is None:
        return None
    conversation_id, message_id = int(found.group(1)), int(found.group(2))
    expected = _sign(f"mid:{conversation_id}:{message_id}", secret)
    if not hmac.compare_digest(expected, found.group(3).lower()):
        return None
    return conversation_id, message_id


def _sign(text: str, secret: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()[:16]


def thread_references(
    previous: Sequence[str], *, parent: str | None, limit: int = MAX_REFERENCES
) -> list[str]:
    """References of a reply: the thread's ids so far, then the mail it answers.

    Long threads keep the first id (the thread's root) and the most recent ones.
    """
    ids = list(dict.fromkeys([*previous, *([parent] if parent else [])]))
    if len(ids) > limit:
        ids = [ids[0], *ids[-(limit - 1) :]]
    return ids


# ------------------------------------------------------------------------ reply tokens
_TOKEN_IN_ADDRESS = re.compile(r"\+c(\d{1,18})\.([0-9a-f]{12})@", re.IGNORECASE)


def reply_token(*, conversation_id: int, secret: str) -> str:
    tag = hmac.new(secret.encode(), f"reply:{conversation_id}".encode(), hashlib.sha256)
    return f"c{conversation_id}.{tag.hexdigest()[:12]}"


def reply_address(address: str, *, conversation_id: int, secret: str) -> str:
    """The inbox address with the conversation's reply token: support+c42.1a2b…@shop.example."""
    local, sep, domain = address.rpartition("@")
    if not sep:
        return address
    local = local.split("+", 1)[0]
    return f"{local}+{reply_token(conversation_id=conversation_id, secret=secret)}@{domain}"


def parse_reply_token(addresses: Iterable[str], *, secret: str) -> int | None:
    """The conversation a reply address names, when its token is genuine."""
    for address in addresses:
        found = _TOKEN_IN_ADDRESS.search(address or "")
        if found is None:
            continue
        conversation_id = int(found.group(1))
        expected = reply_token(conversation_id=conversation_id, secret=secret)
        if hmac.compare_digest(expected.split(".", 1)[1], found.group(2).lower()):
            return conversation_id
    return None


# --------------------------------------------------------------------------- subjects
_SUBJECT_TAG = re.compile(r"\[#(\d{1,18})\]")
_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|aw|wg|sv|vs|antw|ответ|отв|на)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE
)


def parse_subject_tag(subject: str) -> int | None:
    """The conversation number of a ``[#123]`` tag in a subject."""
    found = _SUBJECT_TAG.search(subject or "")
    return int(found.group(1)) if found else None


def reply_subject(subject: str, *, number: int) -> str:
    """ "Re: <subject> [#number]", without piling up "Re: Re:" or a second tag."""
    base = _REPLY_PREFIX.sub("", " ".join((subject or "").split())).strip()
    base = _SUBJECT_TAG.sub("", base).strip()
    tag = f"[#{number}]"
    return f"Re: {base} {tag}" if base else f"Re: {tag}"


# ------------------------------------------------------------------------------ polling
MAX_POLL_PAUSE_SECONDS = 3600


def next_poll_at(now: datetime, *, every_seconds: int, failures: int = 0) -> datetime:
    """When to look into a mailbox next: the next boundary of its polling period (so runs land
    on the same instants whoever schedules them, and two chains of runs merge into one), and
    after failures in a row a pause that doubles with each, up to an hour."""
    if every_seconds <= 0:
        raise ValueError("the polling period must be positive")
    pause = min(every_seconds * 2 ** min(max(failures, 0), 16), MAX_POLL_PAUSE_SECONDS)
    earliest = now.timestamp() + max(pause - every_seconds, 0)
    slot = (int(earliest // every_seconds) + 1) * every_seconds
    return datetime.fromtimestamp(slot, tz=now.tzinfo or UTC)


# ------------------------------------------------------------------------------ customers
_NO_REPLY = re.compile(
    r"^(?:no-?reply|do-?not-?reply|noreply-\w+|mailer|forms?|webforms?|wordpress|website|"
    r"notifications?|contact-?form)$",
    re.IGNORECASE,
)


def customer_address(sender: str | None, reply_to: Sequence[str]) -> str | None:
    """Who the customer is: the sender, unless the mail was sent for them by a machine (a web
    form's "noreply@shop.example") naming them in Reply-To."""
    if sender and reply_to and _NO_REPLY.match(sender.rsplit("@", 1)[0]):
        return reply_to[0]
    return sender or (reply_to[0] if reply_to else None)
