"""A big desk, fast: the data behind bench/app_perf.py.

A workspace with agents, inboxes, teams and labels is written through the services (few rows,
and they hash passwords and record events like the app does); the bulk — contacts,
`conversations` conversations with a few messages each, labels on some, and one conversation
of `big_messages` messages — is written with SQLAlchemy Core `executemany` on the project's
own tables, which is ~100 times faster than the services (and than the demo seed).

What the rows look like (deterministic for a given Plan, `random.Random(plan.seed)`):
- conversations spread over `days` days, ids growing with creation time; the last two weeks
  hold most open, pending and snoozed ones, older ones are nearly all resolved;
- each conversation in one inbox, its team the inbox's team, assigned (mostly) to an agent who
  is a member of that inbox; priority, type and labels in plausible shares;
- agent k is a member of inboxes k and k+1 (mod inboxes): an agent sees 2/inboxes of the desk;
- no events for the bulk rows (nothing reads them to list or open conversations).

The one measured agent is `agent0@bench.example.com` (inboxes 0 and 1, team 0); the big
conversation is the newest, open, in inbox 0 and assigned to that agent.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# Bump when the rows this module writes change, so that cached databases are rebuilt.
BUILDER_VERSION = 1
PASSWORD = "bench-password-123"
ADMIN_EMAIL = "admin@bench.example.com"
AGENT_EMAIL = "agent0@bench.example.com"
CHANNELS = ("webchat", "telegram", "email", "whatsapp", "vk", "portal", "api")
LABELS = ("vip", "refund", "delivery", "bug", "billing", "wholesale", "feedback", "urgent-fix")


@dataclass(frozen=True)
class Plan:
    conversations: int = 100_000
    messages_per_conversation: int = 3
    big_messages: int = 500
    agents: int = 50
    inboxes: int = 10
    teams: int = 5
    contacts: int = 30_000
    days: int = 365
    seed: int = 3

    def key(self) -> str:
        """Names a cached database: the plan, this builder and the migrations it was built on."""
        from frontdesk.core.migrate import MIGRATIONS

        digest = hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode())
        digest.update(f"builder {BUILDER_VERSION}".encode())
        for path in sorted((MIGRATIONS / "versions").glob("*.py")):
            digest.update(path.name.encode() + path.read_bytes())
        return digest.hexdigest()[:16]


@dataclass
class BuiltDesk:
    """What a benchmark needs to know about the desk it drives."""

    workspace_id: int
    admin_id: int
    agent_id: int
    admin_email: str
    agent_email: str
    password: str
    inbox_ids: list[int]
    team_ids: list[int]
    labels: list[str]
    big_conversation_id: int
    big_messages: int
    conversations: int
    messages: int
    agent_visible_conversations: int
    status_counts: dict[str, int] = field(default_factory=dict)
    build_seconds: float = 0.0

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> BuiltDesk:
        return cls(**json.loads(text))


# --------------------------------------------------------------------------- texts
_CUSTOMER = (
    "Hello! Where is my order? It was supposed to arrive yesterday.",
    "Здравствуйте! Заказ до сих пор не пришёл, трек-номер не обновляется уже три дня.",
    "Can I change the delivery address for order {n}?",
    "Добрый день, хочу вернуть товар, он не подошёл по размеру. Как оформить возврат?",
    "The payment went through twice, please refund one of them.",
    "Подскажите, есть ли эта модель в наличии в чёрном цвете?",
    "I received a damaged item, the box was crushed. Photos attached.",
    "Спасибо, всё получил, но в комплекте нет зарядного устройства.",
    "Do you ship to Kazakhstan? How long does it take?",
    "Можно ли оплатить заказ по счёту для юрлица?",
    "The promo code does not work at checkout.",
    "Когда будет следующая поставка? Нужно 40 штук для офиса.",
)
_AGENT = (
    "Thank you for waiting! I checked your order {n}: it is with the courier and arrives today.",
    "Здравствуйте! Проверила заказ {n}: он передан в доставку, курьер позвонит заранее.",
    "I am sorry for the trouble. I have started a refund; it takes 3-5 business days.",
    "Оформила возврат, номер заявки {n}. Курьер заберёт товар в удобное вам время.",
    "Yes, it is in stock. I can reserve it for you for 24 hours.",
    "Да, доставляем. Срок — от 5 до 7 рабочих дней, стоимость считается при оформлении.",
    "I have sent the invoice to your e-mail; the order ships once it is paid.",
    "Передала информацию на склад, комплект дошлём бесплатно в течение двух дней.",
    "The code had expired; I applied a new 10% discount to your order instead.",
    "Спасибо за обращение! Если будут вопросы — пишите, мы на связи.",
)
_NOTES = (
    "Checked with the warehouse: shipped on Monday.",
    "Клиент постоянный, можно предложить скидку.",
    "@[Anna](user:2) can you look at the invoice?",
    "Escalated to logistics, waiting for an answer.",
)
_SUBJECTS = (
    "Where is my order",
    "Возврат товара",
    "Delivery address",
    "Двойное списание",
    "Damaged item",
    "Наличие товара",
    "Invoice for a company",
    "Promo code",
    "",
)
_FIRST = ("Anna", "Ivan", "Maria", "Oleg", "Elena", "John", "Sofia", "Dmitry", "Olga", "Peter")
_LAST = ("Petrova", "Smirnov", "Ivanova", "Kuznetsov", "Brown", "Sokolova", "Popov", "Lee")


def _text(rng: random.Random, pool: tuple[str, ...], n: int, sentences: int = 1) -> str:
    return " ".join(rng.choice(pool).format(n=n) for _ in range(sentences))


# --------------------------------------------------------------------------- building
def build(database_url: str, plan: Plan, *, log: Any = print) -> BuiltDesk:
    """Fill a freshly migrated, empty database (SQLite or PostgreSQL) according to `plan`."""
    started = time.perf_counter()
    base = _base(database_url, plan)
    log(f"  workspace, {plan.agents} agents, {plan.inboxes} inboxes written through the services")
    desk = _bulk(database_url, plan, base, log=log)
    desk.build_seconds = round(time.perf_counter() - started, 1)
    return desk


@dataclass
class _Base:
    workspace_id: int
    admin_id: int
    agent_ids: list[int]
    inbox_ids: list[int]
    team_ids: list[int]
    label_ids: dict[str, int]
    members: dict[int, list[int]]  # inbox id -> agent ids


def _base(database_url: str, plan: Plan) -> _Base:
    from frontdesk.conversations import service as conversations_service
    from frontdesk.core.db import Database, UnitOfWork
    from frontdesk.core.principal import Principal, Role
    from frontdesk.inboxes import service as inbox_service
    from frontdesk.inboxes.schemas import ChannelType, InboxCreate
    from frontdesk.team import service as team_service
    from frontdesk.team.schemas import TeamCreate, UserCreate

    def users(uow: UnitOfWork) -> tuple[int, int, list[int]]:
        ws = team_service.create_workspace(uow, name="Bench", slug="bench")

        def user(email: str, name: str, role: Role, password: str | None) -> int:
            data = UserCreate(email=email, name=name, role=role, password=password)
            return team_service.create_user(uow, workspace_id=ws.id, data=data).id

        admin = user(ADMIN_EMAIL, "Admin", Role.admin, PASSWORD)
        agents = [
            user(
                f"agent{k}@bench.example.com",
                f"{_FIRST[k % len(_FIRST)]} {_LAST[k % len(_LAST)]} {k}",
                Role.agent,
                PASSWORD if k == 0 else None,  # argon2 is slow: only the measured agent logs in
            )
            for k in range(plan.agents)
        ]
        return ws.id, admin, agents

    db = Database(database_url)
    try:
        workspace_id, admin_id, agent_ids = db.write_sync(users)
        admin = Principal(user_id=admin_id, workspace_id=workspace_id, role=Role.admin, via="token")
        members: dict[int, list[int]] = {}

        def inboxes(uow: UnitOfWork) -> list[int]:
            ids = []
            for i in range(plan.inboxes):
                who = [
                    agent_ids[k]
                    for k in range(plan.agents)
                    if i in (k % plan.inboxes, (k + 1) % plan.inboxes)
                ]
                inbox = inbox_service.create_inbox(
                    uow,
                    workspace_id=workspace_id,
                    data=InboxCreate(
                        name=f"{CHANNELS[i % len(CHANNELS)].title()} {i}",
                        channel_type=ChannelType(CHANNELS[i % len(CHANNELS)]),
                        member_ids=who,
                    ),
                )
                members[inbox.id] = who
                ids.append(inbox.id)
            return ids

        inbox_ids = db.write_sync(inboxes)

        def teams(uow: UnitOfWork) -> tuple[list[int], dict[str, int]]:
            ids = []
            for t in range(plan.teams):
                mine = [inbox_ids[i] for i in range(plan.inboxes) if i % plan.teams == t]
                team = team_service.create_team(
                    uow,
                    principal=admin,
                    data=TeamCreate(
                        name=f"Team {t}",
                        member_ids=sorted({a for i in mine for a in members[i]}),
                        inbox_ids=mine,
                    ),
                )
                ids.append(team.id)
            labels = {
                name: conversations_service.create_label(
                    uow, principal=admin, name=name, color="#6b7280", description=""
                ).id
                for name in LABELS
            }
            return ids, labels

        team_ids, label_ids = db.write_sync(teams)
    finally:
        db.close()
    return _Base(
        workspace_id=workspace_id,
        admin_id=admin_id,
        agent_ids=agent_ids,
        inbox_ids=inbox_ids,
        team_ids=team_ids,
        label_ids=label_ids,
        members=members,
    )


def _engine(database_url: str) -> Any:
    from sqlalchemy import create_engine, event

    from frontdesk.core.db import normalize_url

    engine = create_engine(normalize_url(database_url))
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _fast(dbapi_connection: Any, _record: Any) -> None:
            # A scratch file being filled: durability of each commit does not matter.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.close()

    return engine


def _weighted(rng: random.Random, choices: tuple[tuple[str, float], ...], rest: str) -> str:
    """One of the choices by weight; `rest` for what the weights leave over."""
    x = rng.random()
    for value, weight in choices:
        x -= weight
        if x < 0:
            return value
    return rest


_RECENT_STATUS = (("open", 0.30), ("pending", 0.20), ("snoozed", 0.05), ("bot", 0.05))
_OLD_STATUS = (("open", 0.01), ("pending", 0.015), ("snoozed", 0.005))
_PRIORITY = (("high", 0.12), ("low", 0.05), ("urgent", 0.03))  # the rest normal
_TYPE = (("order", 0.25), ("complaint", 0.10), ("other", 0.05))  # the rest questions


def _chunks(n: int, size: int) -> Iterator[range]:
    for start in range(0, n, size):
        yield range(start, min(n, start + size))


def _bulk(database_url: str, plan: Plan, base: _Base, *, log: Any) -> BuiltDesk:
    from sqlalchemy import func, insert, select, update

    from frontdesk.contacts.models import Contact
    from frontdesk.conversations.models import Conversation, ConversationLabel, Message
    from frontdesk.core.models import table_of
    from frontdesk.team.models import Workspace

    rng = random.Random(plan.seed)
    now = datetime.now(UTC).replace(microsecond=0)
    ws = base.workspace_id
    contacts_t, conversations_t = table_of(Contact), table_of(Conversation)
    messages_t, labels_t = table_of(Message), table_of(ConversationLabel)
    team_of = {
        inbox: base.team_ids[i % len(base.team_ids)] for i, inbox in enumerate(base.inbox_ids)
    }
    agent_inboxes = {base.inbox_ids[0], base.inbox_ids[1 % len(base.inbox_ids)]}
    engine = _engine(database_url)
    total = plan.conversations
    status_counts: dict[str, int] = {}
    messages_written = 0
    agent_visible = 0
    big_id = 0
    try:
        started = time.perf_counter()
        with engine.begin() as conn:
            for chunk in _chunks(plan.contacts, 10_000):
                conn.execute(
                    insert(contacts_t),
                    [
                        {
                            "workspace_id": ws,
                            "name": f"{_FIRST[c % 10]} {_LAST[(c // 10) % 8]} {c}",
                            "email": f"customer{c}@example.com",
                            "phone": None,
                            "tags": [],
                            "notes": "",
                            "custom_attributes": {},
                            "created_at": now - timedelta(days=plan.days + 1),
                            "updated_at": now - timedelta(days=plan.days + 1),
                        }
                        for c in chunk
                    ],
                )
            contact_ids = list(
                conn.execute(
                    select(contacts_t.c.id).where(contacts_t.c.workspace_id == ws)
                ).scalars()
            )
        log(f"  {len(contact_ids):,} contacts in {time.perf_counter() - started:.1f} s")

        span = plan.days * 86400
        big_number = total  # the newest conversation is the big one
        for chunk in _chunks(total, 10_000):
            rows: list[dict[str, Any]] = []
            for j in chunk:
                number = j + 1
                is_big = number == big_number
                # Creation times grow with the number (ids follow creation, as in a real desk).
                created = now - timedelta(seconds=span * (1 - (j + rng.random()) / total))
                if is_big:
                    created = now - timedelta(days=2)
                active = min(now, created + timedelta(minutes=rng.expovariate(1 / 240)))
                if is_big:
                    active = now - timedelta(minutes=1)
                recent = now - active < timedelta(days=14)
                status = (
                    "open"
                    if is_big
                    else _weighted(rng, _RECENT_STATUS if recent else _OLD_STATUS, "resolved")
                )
                inbox = base.inbox_ids[0] if is_big else rng.choice(base.inbox_ids)
                assigned = status != "bot" and rng.random() < (0.6 if status == "open" else 0.95)
                assignee = (
                    base.agent_ids[0]
                    if is_big
                    else (rng.choice(base.members[inbox]) if assigned else None)
                )
                status_counts[status] = status_counts.get(status, 0) + 1
                if inbox in agent_inboxes:
                    agent_visible += 1
                rows.append(
                    {
                        "workspace_id": ws,
                        "number": number,
                        "inbox_id": inbox,
                        "contact_id": rng.choice(contact_ids),
                        "subject": rng.choice(_SUBJECTS),
                        "status": status,
                        "priority": _weighted(rng, _PRIORITY, "normal"),
                        "type": _weighted(rng, _TYPE, "question"),
                        "assignee_id": assignee,
                        "team_id": team_of[inbox],
                        "snoozed_until": now + timedelta(days=rng.randint(1, 7))
                        if status == "snoozed"
                        else None,
                        "custom_attributes": {},
                        "created_at": created,
                        "last_activity_at": active,
                        "waiting_since": active
                        if status == "open" and (is_big or rng.random() < 0.7)
                        else None,
                        "first_reply_at": created + timedelta(minutes=3)
                        if status not in ("bot",)
                        else None,
                        "resolved_at": active if status == "resolved" else None,
                        "message_count": plan.big_messages
                        if is_big
                        else plan.messages_per_conversation,
                    }
                )
            with engine.begin() as conn:
                conn.execute(insert(conversations_t), rows)
                ids = dict(
                    conn.execute(
                        select(conversations_t.c.number, conversations_t.c.id).where(
                            conversations_t.c.workspace_id == ws,
                            conversations_t.c.number.between(chunk.start + 1, chunk.stop),
                        )
                    ).all()
                )
                messages: list[dict[str, Any]] = []
                labels: list[dict[str, Any]] = []
                for row in rows:
                    conversation_id = ids[row["number"]]
                    row["id"] = conversation_id
                    if row["number"] == big_number:
                        continue  # written below, on its own
                    messages.extend(_messages_of(rng, row, plan.messages_per_conversation))
                    if rng.random() < 0.3:
                        for name in rng.sample(LABELS, rng.choice((1, 1, 2))):
                            labels.append(
                                {
                                    "conversation_id": conversation_id,
                                    "label_id": base.label_ids[name],
                                }
                            )
                for part in _chunks(len(messages), 20_000):
                    conn.execute(insert(messages_t), messages[part.start : part.stop])
                if labels:
                    conn.execute(insert(labels_t), labels)
                messages_written += len(messages)
                big = next((r for r in rows if r["number"] == big_number), None)
                if big is not None:
                    big_messages = _big_conversation(rng, big, plan.big_messages, base)
                    conn.execute(insert(messages_t), big_messages)
                    messages_written += len(big_messages)
                    big_id = big["id"]
            log(
                f"  {chunk.stop:,} conversations, {messages_written:,} messages "
                f"({time.perf_counter() - started:.1f} s)"
            )
        with engine.begin() as conn:
            conn.execute(
                update(table_of(Workspace))
                .where(table_of(Workspace).c.id == ws)
                .values(last_conversation_number=total)
            )
            if engine.dialect.name == "postgresql":
                # What autovacuum would have done by the time a desk holds this much.
                conn.exec_driver_sql("ANALYZE")
            stored = conn.execute(
                select(func.count())
                .select_from(conversations_t)
                .where(conversations_t.c.workspace_id == ws)
            ).scalar_one()
        assert stored == total, (stored, total)
    finally:
        engine.dispose()
    return BuiltDesk(
        workspace_id=ws,
        admin_id=base.admin_id,
        agent_id=base.agent_ids[0],
        admin_email=ADMIN_EMAIL,
        agent_email=AGENT_EMAIL,
        password=PASSWORD,
        inbox_ids=base.inbox_ids,
        team_ids=base.team_ids,
        labels=list(LABELS),
        big_conversation_id=big_id,
        big_messages=plan.big_messages,
        conversations=total,
        messages=messages_written,
        agent_visible_conversations=agent_visible,
        status_counts=status_counts,
    )


def _message(
    conversation: dict[str, Any], kind: str, at: datetime, content: str, sender: int | None
) -> dict[str, Any]:
    sender_type = {"incoming": "contact", "system": "system"}.get(kind, "user")
    return {
        "workspace_id": conversation["workspace_id"],
        "inbox_id": conversation["inbox_id"],
        "conversation_id": conversation["id"],
        "kind": kind,
        "sender_type": sender_type,
        "sender_id": conversation["contact_id"] if kind == "incoming" else sender,
        "content": content,
        "content_attributes": {},
        "external_id": None,
        "delivery_status": "delivered" if kind == "outgoing" else None,
        "delivery_error": None,
        "created_at": at,
    }


def _messages_of(rng: random.Random, conversation: dict[str, Any], n: int) -> list[dict[str, Any]]:
    """An exchange: the customer first, then agent and customer in turn."""
    start: datetime = conversation["created_at"]
    span = (conversation["last_activity_at"] - start) / max(1, n - 1)
    agent = conversation["assignee_id"]
    out = []
    for k in range(n):
        incoming = k % 2 == 0 or agent is None
        out.append(
            _message(
                conversation,
                "incoming" if incoming else "outgoing",
                start + span * k,
                _text(rng, _CUSTOMER if incoming else _AGENT, conversation["number"]),
                None if incoming else agent,
            )
        )
    return out


def _big_conversation(
    rng: random.Random, conversation: dict[str, Any], n: int, base: _Base
) -> list[dict[str, Any]]:
    """A long conversation: customer and agent in turn, with notes and inline system entries;
    texts of one to four sentences, a few long ones."""
    start: datetime = conversation["created_at"]
    span = (conversation["last_activity_at"] - start) / max(1, n - 1)
    agent = conversation["assignee_id"]
    out = []
    statuses = ("open", "pending")
    for k in range(n):
        at = start + span * k
        roll = rng.random()
        if roll < 0.04:
            before, after = statuses[k % 2], statuses[(k + 1) % 2]
            row = _message(conversation, "system", at, "", None)
            row["content_attributes"] = {"event": "status_changed", "from": before, "to": after}
        elif roll < 0.12:
            row = _message(conversation, "note", at, _text(rng, _NOTES, k), agent)
        else:
            incoming = k % 2 == 0
            sentences = 8 if rng.random() < 0.05 else rng.randint(1, 4)
            row = _message(
                conversation,
                "incoming" if incoming else "outgoing",
                at,
                _text(rng, _CUSTOMER if incoming else _AGENT, k, sentences),
                None if incoming else agent,
            )
            if not incoming:
                row["delivery_status"] = "read"
        out.append(row)
    return out


# --------------------------------------------------------------------------- cache
def cache_dir() -> Path:
    import os

    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "frontdesk-bench"


def cached(plan: Plan) -> tuple[Path, Path]:
    """Where the SQLite file built for `plan` (and its BuiltDesk) is kept between runs."""
    key = plan.key()
    return cache_dir() / f"app_perf-{key}.db", cache_dir() / f"app_perf-{key}.json"
