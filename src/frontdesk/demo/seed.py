"""`frontdesk demo`: a believable shop's month of customer service, seeded once.

Everything is written through the services, with the clock moved along the plan's timeline,
so the events table holds every message, status change and assignment at its historical time
and the reports computed from it are those of a real month. The plan is deterministic: the
same seed, size and `now` give the same workspace.
"""

from __future__ import annotations

import time as wall
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session

from frontdesk.contacts import service as contacts_service
from frontdesk.contacts.schemas import AttributeDefinitionCreate, AttributeType
from frontdesk.conversations import service as conversations
from frontdesk.conversations.rules import (
    ConversationPriority,
    ConversationStatus,
    ConversationType,
)
from frontdesk.conversations.schemas import (
    AssignmentChange,
    ConversationCreate,
    ConversationUpdate,
    FirstMessage,
    MessageCreate,
    MessageKind,
    StatusChange,
)
from frontdesk.conversations.service import Limits
from frontdesk.core.clock import utcnow
from frontdesk.core.db import Database, UnitOfWork
from frontdesk.core.principal import Principal, Role
from frontdesk.demo.plan import (
    Action,
    Agent,
    AgentSays,
    Assign,
    CustomerSays,
    Escalate,
    InboxRef,
    Invite,
    NewContact,
    Open,
    Roster,
    SetStatus,
    Step,
    Wake,
    build_plan,
)
from frontdesk.inboxes import service as inbox_service
from frontdesk.inboxes.schemas import ChannelType, InboxCreate
from frontdesk.outbox import service as outbox
from frontdesk.settings import Settings
from frontdesk.team import service as team_service
from frontdesk.team.schemas import TeamCreate, UserCreate

DEMO_PASSWORD = "demo-password"
DEMO_DOMAIN = "demo.frontdesk.example.com"
WORKSPACE_NAME = "Демо: Интернет-магазин"
WORKSPACE_SLUG = "demo"
# Steps between two moves of the progress bar.
STEPS_PER_PROGRESS = 100


@dataclass(frozen=True)
class DemoSize:
    contacts: int = 200
    conversations: int = 1000
    days: int = 30
    seed: int = 20240917


DEFAULT = DemoSize()


@dataclass(frozen=True)
class SeedResult:
    seeded: bool  # False when the database already had a workspace
    logins: list[tuple[str, str]]  # (e-mail, role) of the demo users
    workspace_id: int | None = None
    contacts: int = 0
    conversations: int = 0
    messages: int = 0  # customer messages, replies and notes (not system entries)
    seconds: float = 0.0
    # How the plan meant conversations to end; recent ones may still be under way.
    planned_outcomes: dict[str, int] = field(default_factory=dict)
    # The demo workspace's (first) website chat, for its preview page.
    webchat_public_id: str | None = None


@dataclass(frozen=True)
class StaffMember:
    key: str
    name: str
    role: Role
    female: bool
    language: str = "ru"
    time_zone: str = "Europe/Moscow"
    team: str | None = None
    channels: tuple[str, ...] = ()
    night: bool = False

    @property
    def email(self) -> str:
        return f"{self.key}@{DEMO_DOMAIN}"


_ALL = ("webchat", "telegram", "whatsapp", "vk", "email", "portal", "api")
STAFF: tuple[StaffMember, ...] = (
    StaffMember("admin", "Алексей Смирнов", Role.admin, female=False),
    StaffMember("supervisor", "Ольга Кузнецова", Role.supervisor, female=True),
    StaffMember(
        "anna", "Анна Петрова", Role.agent, True, team="sales",
        channels=("webchat", "telegram", "vk", "whatsapp"),
    ),
    StaffMember(
        "dmitry", "Дмитрий Волков", Role.agent, False, team="sales",
        channels=("webchat", "telegram", "vk"),
    ),
    StaffMember(
        "maria", "Мария Соколова", Role.agent, True, team="sales",
        channels=("webchat", "telegram", "whatsapp", "vk"),
    ),
    StaffMember(
        "ivan", "Иван Морозов", Role.agent, False, team="support",
        channels=("email", "portal", "api", "whatsapp", "webchat"),
    ),
    StaffMember(
        "ekaterina", "Екатерина Новикова", Role.agent, True, team="support",
        channels=("email", "portal", "whatsapp", "telegram"),
    ),
    StaffMember(
        "sarah", "Sarah Johnson", Role.agent, True, language="en",
        time_zone="Europe/London", team="support",
        channels=("email", "webchat", "whatsapp", "telegram", "portal"),
    ),
    # The claims specialist: works every channel, invited into complaints.
    StaffMember("pavel", "Павел Лебедев", Role.agent, False, team="support", channels=_ALL),
    StaffMember(
        "nikita", "Никита Орлов", Role.agent, False, team="support",
        channels=("webchat", "telegram", "whatsapp", "email"), night=True,
    ),
)  # fmt: skip

INBOXES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "webchat",
        "Чат на сайте",
        {"website": "https://shop.example.com", "greeting": "Здравствуйте! Чем можем помочь?"},
    ),
    ("telegram", "Telegram @demo_shop_bot", {"bot_username": "demo_shop_bot"}),
    ("whatsapp", "WhatsApp +7 495 000-00-00", {"display_phone": "+7 495 000-00-00"}),
    ("vk", "ВКонтакте: сообщество магазина", {"group": "demo_shop"}),
    ("email", "Почта support@shop.example.com", {"address": "support@shop.example.com"}),
    ("portal", "Личный кабинет", {}),
    ("api", "Мобильное приложение (API)", {}),
)

TEAMS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "sales": (
        "Продажи",
        "Sales: questions before the purchase, orders and delivery",
        ("webchat", "telegram", "vk"),
    ),
    "support": (
        "Поддержка",
        "Support: returns, complaints, payments",
        ("whatsapp", "email", "portal", "api"),
    ),
}

LABELS: tuple[tuple[str, str, str], ...] = (
    ("доставка", "#2563eb", "Доставка и сроки / Delivery"),
    ("возврат", "#f59e0b", "Возврат товара или денег / Returns and refunds"),
    ("брак", "#dc2626", "Брак и повреждения / Defective items"),
    ("оплата", "#7c3aed", "Платежи / Payments"),
    ("промокод", "#10b981", "Промокоды и бонусы / Promo codes"),
    ("опт", "#0891b2", "Оптовые клиенты / Wholesale"),
    ("баг-сайта", "#6b7280", "Ошибки сайта и приложения / Website and app bugs"),
    ("отзыв", "#db2777", "Жалобы и отзывы о доставке / Courier feedback"),
    ("vip", "#ca8a04", "VIP-клиент"),
    ("срочно", "#ef4444", "Срочно / Urgent"),
)

CANNED: tuple[tuple[str, str], ...] = (
    ("privet", "Здравствуйте, {{contact.name}}! Спасибо, что написали. Чем могу помочь?"),
    ("hello", "Hi {{contact.name}}, thanks for reaching out! How can I help?"),
    (
        "dostavka",
        "{{contact.name}}, доставка по Москве — 1 день, по России — от 2 до 7 дней. "
        "При заказе от 3 000 ₽ доставка бесплатная.",
    ),
    (
        "vozvrat",
        "{{contact.name}}, вернуть товар можно в течение 14 дней, если сохранены его вид и "
        "упаковка. Оформите возврат в личном кабинете: https://shop.example.com/returns",
    ),
    (
        "refund",
        "{{contact.name}}, you can return an item within 14 days if it is unused and in its "
        "original packaging. Start your return here: https://shop.example.com/returns",
    ),
    (
        "trek",
        "{{contact.name}}, трек-номер придёт в SMS и на почту в день передачи заказа в доставку.",
    ),
    ("minutu", "{{contact.name}}, уточняю информацию, вернусь с ответом в течение 10 минут."),
    (
        "brak",
        "{{contact.name}}, приносим извинения! Пришлите, пожалуйста, фото повреждения и номер "
        "заказа — оформим замену или возврат.",
    ),
    (
        "spasibo",
        "Спасибо за обращение, {{contact.name}}! Если появятся вопросы — пишите, мы на связи.",
    ),
    ("thanks", "Thanks for contacting us, {{contact.name}}! Have a great day."),
)

ATTRIBUTES: tuple[AttributeDefinitionCreate, ...] = (
    AttributeDefinitionCreate(
        applies_to="contact", key="city", label="Город / City", value_type=AttributeType.text
    ),
    AttributeDefinitionCreate(
        applies_to="contact",
        key="loyalty",
        label="Уровень лояльности / Loyalty tier",
        value_type=AttributeType.list,
        options=["bronze", "silver", "gold"],
    ),
    AttributeDefinitionCreate(
        applies_to="contact",
        key="orders_count",
        label="Заказов / Orders",
        value_type=AttributeType.number,
    ),
    AttributeDefinitionCreate(
        applies_to="contact",
        key="customer_since",
        label="Клиент с / Customer since",
        value_type=AttributeType.date,
    ),
    AttributeDefinitionCreate(
        applies_to="contact",
        key="subscribed",
        label="Подписка на рассылку / Newsletter",
        value_type=AttributeType.boolean,
    ),
    AttributeDefinitionCreate(
        applies_to="contact",
        key="crm_url",
        label="Карточка в CRM / CRM record",
        value_type=AttributeType.link,
    ),
    AttributeDefinitionCreate(
        applies_to="conversation",
        key="order_number",
        label="Номер заказа / Order number",
        value_type=AttributeType.text,
    ),
    AttributeDefinitionCreate(
        applies_to="conversation",
        key="order_amount",
        label="Сумма заказа, ₽ / Order amount",
        value_type=AttributeType.number,
    ),
    AttributeDefinitionCreate(
        applies_to="conversation",
        key="delivery_method",
        label="Способ доставки / Delivery method",
        value_type=AttributeType.list,
        options=["courier", "pickup", "post"],
    ),
    AttributeDefinitionCreate(
        applies_to="conversation",
        key="refund_approved",
        label="Возврат одобрен / Refund approved",
        value_type=AttributeType.boolean,
    ),
)


class DemoClock:
    """The clock the seed moves along the timeline (injected into the Database and units)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


# --------------------------------------------------------------------------------- seeding
def seed_demo(
    settings: Settings,
    *,
    console: Console | None = None,
    now: datetime | None = None,
    size: DemoSize = DEFAULT,
) -> SeedResult:
    """Seed the demo workspace unless the database has a workspace already (it is migrated).

    One transaction: a seed that fails half-way leaves nothing behind, so running the demo
    again seeds afresh instead of finding a half-made workspace.
    """
    started = wall.perf_counter()
    now = now or utcnow()
    clock = DemoClock(now - timedelta(days=size.days, hours=36))
    limits = Limits(
        max_message_chars=settings.max_message_chars,
        reopen_window=timedelta(days=settings.reopen_window_days),
        # The seeded month happened elsewhere: replies are history, not sends to check.
        channel_rules=False,
    )

    def seed(uow: UnitOfWork) -> SeedResult:
        if team_service.has_workspace(uow.session):
            return SeedResult(
                seeded=False,
                logins=_existing_logins(uow.session),
                webchat_public_id=_webchat_public_id(uow.session),
            )
        setup = _set_up(uow)
        plan = build_plan(
            roster=setup.roster,
            now=now,
            days=size.days,
            contacts=size.contacts,
            conversations=size.conversations,
            seed=size.seed,
            reopen_window=limits.reopen_window,
        )
        replay = _Replay(setup=setup, clock=clock, limits=limits)
        with _progress(console, len(plan.steps)) as advance:
            for batch in _chunks(plan.steps, STEPS_PER_PROGRESS):
                replay.run(uow.session, batch)
                advance(len(batch))
        clock.now = now
        # The notifications of the seeded past (assignments, mentions) are history, not news.
        outbox.settle_due(
            UnitOfWork(session=uow.session, clock=clock),
            workspace_id=setup.workspace_id,
            before=now,
        )
        conversations.settle_seeded_deliveries(
            UnitOfWork(session=uow.session, clock=clock),
            workspace_id=setup.workspace_id,
            before=now,
        )
        return SeedResult(
            seeded=True,
            logins=[(s.email, s.role.value) for s in STAFF],
            workspace_id=setup.workspace_id,
            contacts=len(plan.contacts),
            conversations=replay.conversations,
            messages=replay.messages,
            planned_outcomes=dict(Counter(o.value for o in plan.outcomes.values())),
            webchat_public_id=_webchat_public_id(uow.session),
        )

    db = Database(settings.resolved_database_url, clock=clock, sqlite_synchronous="NORMAL")
    try:
        result = db.write_sync(seed)
    finally:
        db.close()
    return replace(result, seconds=round(wall.perf_counter() - started, 2))


def _webchat_public_id(session: Session) -> str | None:
    workspace = team_service.workspace_by_slug(session, slug=WORKSPACE_SLUG)
    if workspace is None:
        return None
    inbox = inbox_service.first_channel_inbox(
        session, workspace_id=workspace.id, channel_type=ChannelType.webchat.value
    )
    return inbox.public_id if inbox is not None else None


def _existing_logins(session: Session) -> list[tuple[str, str]]:
    logins = []
    for member in STAFF:
        user = team_service.find_user_by_email(session, email=member.email)
        if user is not None:
            logins.append((user.email, user.role))
    return logins


@dataclass
class _Setup:
    workspace_id: int
    principals: dict[int, Principal]
    admin: Principal
    roster: Roster


def _set_up(uow: UnitOfWork) -> _Setup:
    """The workspace, its staff, inboxes, teams, labels, canned replies and attributes."""
    workspace = team_service.create_workspace(uow, name=WORKSPACE_NAME, slug=WORKSPACE_SLUG)
    users = {}
    for member in STAFF:
        users[member.key] = team_service.create_user(
            uow,
            workspace_id=workspace.id,
            data=UserCreate(
                email=member.email,
                name=member.name,
                role=member.role,
                password=DEMO_PASSWORD,
                time_zone=member.time_zone,
                language=member.language,
            ),
        )
    principals = {
        u.id: Principal(user_id=u.id, workspace_id=workspace.id, role=u.role, via="demo")
        for u in users.values()
    }
    admin = principals[users["admin"].id]
    inbox_ids = {}
    for channel, name, inbox_settings in INBOXES:
        members = [users[m.key].id for m in STAFF if channel in m.channels]
        inbox = inbox_service.create_inbox(
            uow,
            workspace_id=workspace.id,
            principal=admin,
            data=InboxCreate(
                name=name,
                channel_type=ChannelType(channel),
                settings=inbox_settings,
                member_ids=members,
            ),
        )
        inbox_ids[channel] = inbox.id
    team_ids = {}
    for key, (name, description, channels) in TEAMS.items():
        members = [users[m.key].id for m in STAFF if m.team == key or m.role is Role.supervisor]
        team = team_service.create_team(
            uow,
            principal=admin,
            data=TeamCreate(
                name=name,
                description=description,
                member_ids=members,
                inbox_ids=[inbox_ids[c] for c in channels],
            ),
        )
        team_ids[key] = team.id
    for name, color, description in LABELS:
        conversations.create_label(
            uow, principal=admin, name=name, color=color, description=description
        )
    for short_code, content in CANNED:
        conversations.create_canned(uow, principal=admin, short_code=short_code, content=content)
    for definition in ATTRIBUTES:
        contacts_service.define_attribute(uow, principal=admin, data=definition)

    def agent(member: StaffMember) -> Agent:
        return Agent(
            user_id=users[member.key].id,
            name=member.name,
            female=member.female,
            lang=member.language,
            team_id=team_ids[member.team] if member.team else None,
            channels=frozenset(member.channels),
            night=member.night,
        )

    by_key = {m.key: m for m in STAFF}
    team_of = {c: team_ids[k] for k, (_n, _d, channels) in TEAMS.items() for c in channels}
    roster = Roster(
        agents=tuple(agent(m) for m in STAFF if m.role is Role.agent),
        supervisor=agent(by_key["supervisor"]),
        specialist=agent(by_key["pavel"]),
        inboxes={
            channel: InboxRef(
                inbox_id=inbox_ids[channel], channel=channel, team_id=team_of[channel]
            )
            for channel in inbox_ids
        },
    )
    return _Setup(workspace_id=workspace.id, principals=principals, admin=admin, roster=roster)


class _Replay:
    """Runs plan steps through the services, each at its own moment."""

    def __init__(self, *, setup: _Setup, clock: DemoClock, limits: Limits) -> None:
        self.setup = setup
        self.clock = clock
        self.limits = limits
        self.contacts: dict[int, int] = {}  # plan index -> contact id
        self.conversation_ids: dict[int, int] = {}  # plan index -> conversation id
        self.conversations = 0
        self.messages = 0

    def run(self, session: Session, steps: Sequence[Step]) -> None:
        for step in steps:
            self.clock.now = step.at
            # A fresh unit per step: a unit of work fixes its "now" at first use.
            self._do(UnitOfWork(session=session, clock=self.clock), step.action)
            # Services also write through Core statements, which leave loaded objects stale:
            # each step starts from what the database says (and the session stays small).
            session.flush()
            session.expunge_all()

    def _principal(self, user_id: int) -> Principal:
        return self.setup.principals[user_id]

    def _do(self, uow: UnitOfWork, action: Action) -> None:
        admin = self.setup.admin
        if isinstance(action, NewContact):
            contact = contacts_service.create_contact(
                uow, workspace_id=self.setup.workspace_id, data=action.data
            )
            self.contacts[action.contact] = contact.id
        elif isinstance(action, Open):
            # Customer messages come in through the channel, which acts for the workspace.
            out = conversations.create_conversation(
                uow,
                principal=admin,
                limits=self.limits,
                data=ConversationCreate(
                    inbox_id=action.inbox_id,
                    contact_id=self.contacts[action.contact],
                    subject=action.subject,
                    status=ConversationStatus(action.status),
                    priority=ConversationPriority(action.priority),
                    type=ConversationType(action.type),
                    team_id=action.team_id,
                    labels=list(action.labels),
                    custom_attributes=action.attributes,
                    message=FirstMessage(content=action.content),
                ),
            )
            self.conversation_ids[action.conversation] = out.id
            self.conversations += 1
            self.messages += 1
        elif isinstance(action, CustomerSays):
            posted = conversations.post_message(
                uow,
                principal=admin,
                conversation_id=self.conversation_ids[action.conversation],
                data=MessageCreate(content=action.content, message_type=MessageKind.incoming),
                files=[],
                limits=self.limits,
            )
            # The plan keeps reopens inside the window: a new conversation would be a plan bug.
            assert not posted.new_conversation
            self.messages += 1
        elif isinstance(action, AgentSays):
            conversations.post_message(
                uow,
                principal=self._principal(action.user_id),
                conversation_id=self.conversation_ids[action.conversation],
                data=MessageCreate(content=action.content, private=action.private),
                files=[],
                limits=self.limits,
            )
            self.messages += 1
        elif isinstance(action, Assign):
            conversations.assign(
                uow,
                principal=self._principal(action.actor_id),
                conversation_id=self.conversation_ids[action.conversation],
                data=AssignmentChange(assignee_id=action.assignee_id, team_id=action.team_id),
            )
        elif isinstance(action, SetStatus):
            conversations.change_status(
                uow,
                principal=None if action.actor_id is None else self._principal(action.actor_id),
                workspace_id=self.setup.workspace_id,
                conversation_id=self.conversation_ids[action.conversation],
                data=StatusChange(
                    status=ConversationStatus(action.status), snoozed_until=action.snoozed_until
                ),
            )
        elif isinstance(action, Wake):
            conversations.wake_if_due(
                uow,
                workspace_id=self.setup.workspace_id,
                conversation_id=self.conversation_ids[action.conversation],
            )
        elif isinstance(action, Invite):
            conversations.add_participant(
                uow,
                principal=self._principal(action.actor_id),
                conversation_id=self.conversation_ids[action.conversation],
                user_id=action.user_id,
            )
        elif isinstance(action, Escalate):
            conversations.update_conversation(
                uow,
                principal=self._principal(action.actor_id),
                conversation_id=self.conversation_ids[action.conversation],
                data=ConversationUpdate(
                    priority=ConversationPriority(action.priority), labels=list(action.labels)
                ),
            )
        else:  # pragma: no cover - every action kind is handled above
            raise AssertionError(f"unknown demo action {action!r}")


def _chunks(steps: Sequence[Step], size: int) -> Iterator[Sequence[Step]]:
    for start in range(0, len(steps), size):
        yield steps[start : start + size]


@contextmanager
def _progress(console: Console | None, total: int) -> Iterator[Callable[[int], None]]:
    """A rich progress bar over the steps when there is a console; a no-op otherwise."""
    if console is None:
        yield lambda _n: None
        return
    columns = (
        TextColumn("[bold]Seeding the demo workspace"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("seed", total=total)
        yield lambda n: bar.advance(task, n)
