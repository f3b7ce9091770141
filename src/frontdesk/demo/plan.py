"""The demo's month, planned without I/O: who writes when, who answers, what happens.

A plan is a list of timed steps (a customer writes, an agent replies, a note, an assignment,
a status change ...). The seeder replays them in time order through the services, so every
message, status change and assignment lands in the events table at its planned time.

Times follow a shop in Moscow: customers write mostly in the day and evening; day agents work
09:00-21:00 on weekdays and 10:00-18:00 at weekends, one night agent covers some channels;
what arrives outside anyone's shift waits for the morning.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from frontdesk.contacts.schemas import ContactCreate, IdentityIn, IdentityKind
from frontdesk.demo import texts
from frontdesk.demo.scripts import TOPIC_WEIGHTS, TOPICS, Script, Topic
from frontdesk.demo.texts import Lines

SHOP_ZONE = ZoneInfo("Europe/Moscow")
CHATS = frozenset({"webchat", "telegram", "whatsapp", "vk", "api"})
_LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


# ------------------------------------------------------------------------------- the people
@dataclass(frozen=True)
class Agent:
    user_id: int
    name: str
    female: bool
    lang: str
    team_id: int | None
    channels: frozenset[str]
    night: bool = False

    @property
    def first_name(self) -> str:
        return self.name.split()[0]

    @property
    def mention(self) -> str:
        return f"@[{self.name}](user:{self.user_id})"


@dataclass(frozen=True)
class InboxRef:
    inbox_id: int
    channel: str
    team_id: int


@dataclass(frozen=True)
class Roster:
    """The seeded staff and inboxes the plan refers to (by their database ids)."""

    agents: tuple[Agent, ...]
    supervisor: Agent
    specialist: Agent  # invited into complaints
    inboxes: dict[str, InboxRef]  # by channel type


@dataclass(frozen=True)
class ContactPlan:
    index: int
    lang: str
    female: bool
    first_name: str
    full_name: str
    city: str
    channels: tuple[str, ...]
    data: ContactCreate


# ------------------------------------------------------------------------------ the actions
@dataclass(frozen=True)
class NewContact:
    contact: int
    data: ContactCreate


@dataclass(frozen=True)
class Open:
    conversation: int
    contact: int
    inbox_id: int
    subject: str
    status: str
    priority: str
    type: str
    team_id: int
    labels: tuple[str, ...]
    attributes: dict[str, Any]
    content: str


@dataclass(frozen=True)
class CustomerSays:
    conversation: int
    content: str


@dataclass(frozen=True)
class AgentSays:
    conversation: int
    user_id: int
    content: str
    private: bool = False


@dataclass(frozen=True)
class Assign:
    conversation: int
    actor_id: int
    assignee_id: int
    team_id: int | None


@dataclass(frozen=True)
class SetStatus:
    conversation: int
    actor_id: int | None  # None: the system (a bot hand-off)
    status: str
    snoozed_until: datetime | None = None


@dataclass(frozen=True)
class Wake:
    """The snooze timer fires (what the outbox worker does at `snoozed_until`)."""

    conversation: int


@dataclass(frozen=True)
class Invite:
    conversation: int
    actor_id: int
    user_id: int


@dataclass(frozen=True)
class Escalate:
    conversation: int
    actor_id: int
    priority: str
    labels: tuple[str, ...]


Action = (
    NewContact | Open | CustomerSays | AgentSays | Assign | SetStatus | Wake | Invite | Escalate
)


@dataclass(frozen=True)
class Step:
    at: datetime
    seq: int
    action: Action


class Outcome(StrEnum):
    """Where a conversation stands at `now` (besides those the present simply cuts short)."""

    RESOLVED = "resolved"
    REOPENED = "reopened"  # resolved, the customer came back, handled again
    PENDING = "pending"  # the agent asked something; the customer never answered
    SNOOZED = "snoozed"  # the agent promised an answer later and snoozed it
    IN_PROGRESS = "in_progress"  # recent; the customer's last message awaits an answer
    WAITING = "waiting"  # recent; nobody has picked it up yet


# Shares of the outcomes; the recent ones get start times near `now`.
OUTCOME_SHARES: dict[Outcome, float] = {
    Outcome.WAITING: 0.03,
    Outcome.IN_PROGRESS: 0.05,
    Outcome.SNOOZED: 0.03,
    Outcome.PENDING: 0.05,
    Outcome.REOPENED: 0.11,
}
RECENT = {
    Outcome.WAITING: (timedelta(minutes=2), timedelta(hours=4)),
    Outcome.IN_PROGRESS: (timedelta(minutes=40), timedelta(hours=30)),
    Outcome.SNOOZED: (timedelta(hours=3), timedelta(days=3)),
}

# Customers write mostly in the day and the evening (shop time, hours 0..23).
HOUR_WEIGHTS = (
    0.3, 0.2, 0.1, 0.1, 0.1, 0.15, 0.3, 0.6, 1.0, 1.6, 2.0, 2.2,
    2.2, 2.0, 2.1, 2.1, 2.0, 1.9, 1.8, 1.8, 1.9, 1.8, 1.3, 0.7,
)  # fmt: skip
CHANNEL_SHARES = {
    "ru": {
        "webchat": 25,
        "telegram": 22,
        "whatsapp": 17,
        "vk": 8,
        "email": 14,
        "portal": 8,
        "api": 6,
    },
    "en": {"webchat": 35, "email": 30, "whatsapp": 20, "telegram": 15},
}
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Plan:
    contacts: tuple[ContactPlan, ...]
    steps: tuple[Step, ...]  # in time order, none after `now`
    conversations: int
    outcomes: dict[int, Outcome] = field(default_factory=dict)


def gendered(text: str, female: bool) -> str:
    """Resolve the '(а)' endings of Russian verbs for the writer's gender."""
    text = text.replace("ся(ась)", "ась" if female else "ся")
    text = text.replace("ёс(ла)", "есла" if female else "ёс")
    return text.replace("(а)", "а" if female else "")


# ------------------------------------------------------------------------------ the planner
class _Timeline:
    """One conversation's steps; each strictly later than the one before."""

    def __init__(self, start: datetime) -> None:
        self.t = start
        self.items: list[tuple[datetime, Action]] = []

    def at(self, when: datetime, action: Action) -> datetime:
        if self.items and when <= self.t:
            when = self.t + timedelta(seconds=1)
        self.t = when
        self.items.append((when, action))
        return when

    def after(self, delay: timedelta, action: Action) -> datetime:
        return self.at(self.t + delay, action)


@dataclass
class _State:
    """What a conversation's plan needs to remember while it is written."""

    index: int
    contact: ContactPlan
    inbox: InboxRef
    topic: Topic
    script: Script
    exchanges: list[tuple[str, str]]
    lang: str
    chat: bool
    ctx: dict[str, str]
    labels: list[str]
    agent: Agent | None = None
    promised: datetime = _LONG_AGO  # the day {date} names
    transferred: bool = False
    escalated: bool = False


class Planner:
    def __init__(
        self,
        *,
        rng: random.Random,
        roster: Roster,
        now: datetime,
        days: int,
        contacts: int,
        conversations: int,
        reopen_window: timedelta,
    ) -> None:
        self.rng = rng
        self.roster = roster
        self.now = now
        self.since = now - timedelta(days=days)
        self.contact_count = contacts
        self.conversation_count = conversations
        self.reopen_window = reopen_window
        self._emails: set[str] = set()
        self._phones: set[str] = set()

    # -- the whole plan ---------------------------------------------------------------------
    def plan(self) -> Plan:
        contacts = [self._contact(i) for i in range(self.contact_count)]
        outcomes = self._outcomes()
        # Regulars write often, most people once or twice.
        weights = [self.rng.choice((1, 1, 1, 1, 2, 2, 4)) for _ in contacts]
        drafts = sorted(((self._start(o), o) for o in outcomes), key=lambda d: d[0])

        timelines: list[_Timeline] = []
        busy: dict[tuple[int, str], datetime] = {}
        first_seen: dict[int, datetime] = {}
        planned: dict[int, Outcome] = {}
        for start, outcome in drafts:
            # A customer does not open a second conversation in a channel while one is going
            # on: pick someone who is free then (almost always the first pick).
            for _attempt in range(20):
                contact = self.rng.choices(contacts, weights=weights)[0]
                channel = self.rng.choice(contact.channels)
                free = busy.get((contact.index, channel))
                if free is None or free < start:
                    break
            else:
                continue
            index = len(timelines)
            timeline = self._conversation(index, contact, channel, start, outcome)
            busy[(contact.index, channel)] = timeline.t
            first_seen.setdefault(contact.index, start)
            planned[index] = outcome
            timelines.append(timeline)

        steps: list[Step] = []
        seq = 0
        imported = self.since - timedelta(days=1)
        for contact in contacts:
            # A contact appears with their first message; the rest came with an old CRM import.
            first = first_seen.get(contact.index)
            at = (
                first - timedelta(seconds=2)
                if first
                else imported + timedelta(seconds=contact.index)
            )
            steps.append(Step(at, seq, NewContact(contact.index, contact.data)))
            seq += 1
        for timeline in timelines:
            for at, action in timeline.items:
                if at <= self.now:
                    steps.append(Step(at, seq, action))
                seq += 1
        steps.sort(key=lambda s: (s.at, s.seq))
        return Plan(
            contacts=tuple(contacts),
            steps=tuple(steps),
            conversations=len(timelines),
            outcomes=planned,
        )

    def _outcomes(self) -> list[Outcome]:
        n = self.conversation_count
        result: list[Outcome] = []
        for outcome, share in OUTCOME_SHARES.items():
            # Even a tiny demo shows every state.
            result += [outcome] * max(1 if n >= 12 else 0, round(n * share))
        result += [Outcome.RESOLVED] * max(0, n - len(result))
        self.rng.shuffle(result)
        return result[:n]

    def _start(self, outcome: Outcome) -> datetime:
        if outcome in RECENT:
            low, high = RECENT[outcome]
            return self._busy_time(self.now - high, self.now - low)
        # Leave the last hour for the recent ones, so "resolved" ones mostly get there.
        return self._busy_time(self.since + timedelta(minutes=5), self.now - timedelta(hours=1))

    def _busy_time(self, low: datetime, high: datetime) -> datetime:
        """A moment in [low, high], more likely in the shop's busy hours and on weekdays."""
        span = (high - low).total_seconds()
        top = max(HOUR_WEIGHTS)
        for _ in range(200):
            t = low + timedelta(seconds=self.rng.uniform(0, span))
            local = t.astimezone(SHOP_ZONE)
            weight = HOUR_WEIGHTS[local.hour] * (0.7 if local.weekday() >= 5 else 1.0)
            if self.rng.uniform(0, top) <= weight:
                return t
        return low + timedelta(seconds=self.rng.uniform(0, span))

    # -- contacts ---------------------------------------------------------------------------
    def _contact(self, index: int) -> ContactPlan:
        rng = self.rng
        lang = "en" if rng.random() < 0.18 else "ru"
        female = rng.random() < 0.55
        if lang == "ru":
            first = rng.choice(texts.RU_FEMALE_FIRST if female else texts.RU_MALE_FIRST)
            surname = rng.choice(texts.RU_SURNAMES)
            surname = texts.feminine(surname) if female else surname
        else:
            first, surname = rng.choice(texts.EN_FIRST), rng.choice(texts.EN_SURNAMES)
        full = f"{first} {surname}"
        shares = CHANNEL_SHARES[lang]
        channels = [rng.choices(list(shares), weights=list(shares.values()))[0]]
        if rng.random() < 0.25:
            others = {c: w for c, w in shares.items() if c != channels[0]}
            channels.append(rng.choices(list(others), weights=list(others.values()))[0])
        city = rng.choice(texts.CITIES[lang])

        email = None
        if {"email", "portal"} & set(channels) or rng.random() < 0.55:
            email = self._email(first, surname)
        phone = None
        if "whatsapp" in channels or rng.random() < (0.5 if lang == "ru" else 0.2):
            phone = self._phone(lang)
        identities: list[IdentityIn] = []
        for channel in channels:
            if channel == "telegram":
                value = str(rng.randint(100_000_000, 7_999_999_999))
                identities.append(IdentityIn(kind=IdentityKind.telegram, value=value))
            elif channel == "whatsapp":
                assert phone is not None
                identities.append(IdentityIn(kind=IdentityKind.whatsapp, value=phone))
            elif channel == "vk":
                value = f"id{rng.randint(1_000_000, 899_999_999)}"
                identities.append(IdentityIn(kind=IdentityKind.vk, value=value))
            elif channel == "webchat":
                value = f"webchat:{rng.getrandbits(64):016x}"
                identities.append(IdentityIn(kind=IdentityKind.external, value=value))
            elif channel == "portal":
                value = f"portal:{100_000 + index}"
                identities.append(IdentityIn(kind=IdentityKind.external, value=value))
            elif channel == "api":
                value = f"app:{rng.getrandbits(48):012x}"
                identities.append(IdentityIn(kind=IdentityKind.external, value=value))

        tags = []
        if rng.random() < 0.06:
            tags.append("vip")
        if rng.random() < 0.2:
            tags.append("постоянный покупатель" if lang == "ru" else "regular")
        if rng.random() < 0.05:
            tags.append("опт")
        since = self.since.date() - timedelta(days=rng.randint(0, 3 * 365))
        attributes: dict[str, Any] = {
            "city": city,
            "loyalty": rng.choices(("bronze", "silver", "gold"), weights=(6, 3, 1))[0],
            "orders_count": rng.randint(1, 40),
            "customer_since": since.isoformat(),
            "subscribed": rng.random() < 0.4,
        }
        if rng.random() < 0.3:
            attributes["crm_url"] = f"https://crm.example.com/customers/{70_000 + index}"
        notes = ""
        if rng.random() < 0.08:
            notes = (
                "Предпочитает связь в мессенджере, не звонить."
                if lang == "ru"
                else "Prefers messages to calls."
            )
        data = ContactCreate(
            name=full,
            email=email,
            phone=phone,
            identities=identities,
            tags=tags,
            notes=notes,
            custom_attributes=attributes,
        )
        return ContactPlan(
            index=index,
            lang=lang,
            female=female,
            first_name=first,
            full_name=full,
            city=city,
            channels=tuple(channels),
            data=data,
        )

    def _email(self, first: str, surname: str) -> str:
        domains = ("mail.example.com", "inbox.example.org", "post.example.net", "example.com")
        while True:
            suffix = str(self.rng.randint(1, 99)) if self.rng.random() < 0.6 else ""
            pattern = self.rng.choice(("{f}.{s}{n}", "{f1}{s}{n}", "{s}.{f}{n}"))
            local = pattern.format(
                f=texts.latin(first), f1=texts.latin(first)[:1], s=texts.latin(surname), n=suffix
            )
            email = f"{local}@{self.rng.choice(domains)}"
            if email not in self._emails:
                self._emails.add(email)
                return email

    def _phone(self, lang: str) -> str:
        while True:
            if lang == "ru":
                digits = f"9{self.rng.randint(0, 99):02d}{self.rng.randint(0, 9_999_999):07d}"
                phone = f"+7 {digits[:3]} {digits[3:6]}-{digits[6:8]}-{digits[8:]}"
            else:
                # UK numbers reserved for drama: never anybody's real phone.
                phone = f"+44 7700 900{self.rng.randint(0, 999):03d}"
            if phone not in self._phones:
                self._phones.add(phone)
                return phone

    # -- time of the shop -------------------------------------------------------------------
    @staticmethod
    def _window(agent: Agent, day: date) -> tuple[datetime, datetime]:
        if agent.night:
            start = datetime.combine(day, time(21), SHOP_ZONE)
            return start, start + timedelta(hours=12)
        if day.weekday() >= 5:
            return (
                datetime.combine(day, time(10), SHOP_ZONE),
                datetime.combine(day, time(18), SHOP_ZONE),
            )
        return datetime.combine(day, time(9), SHOP_ZONE), datetime.combine(day, time(21), SHOP_ZONE)

    def _shift(self, agent: Agent, t: datetime) -> tuple[datetime, datetime]:
        """The agent's shift that is on at `t`, or the next one."""
        local = t.astimezone(SHOP_ZONE)
        for offset in range(-1, 4):
            start, end = self._window(agent, local.date() + timedelta(days=offset))
            if end > local:
                return start.astimezone(UTC), end.astimezone(UTC)
        raise AssertionError("every agent works within three days")

    def _on_duty(self, agent: Agent, t: datetime) -> datetime:
        """The first moment at or after `t` when the agent is at work."""
        start, _end = self._shift(agent, t)
        return max(start, t)

    def _lognormal(self, median: float, sigma: float, low: float, high: float) -> timedelta:
        seconds = math.exp(self.rng.gauss(math.log(median), sigma))
        return timedelta(seconds=min(max(seconds, low), high))

    def _reply_time(self, agent: Agent, t: datetime, chat: bool) -> datetime:
        """When the agent answers a customer message that arrived at `t`."""
        start, end = self._shift(agent, t)
        backlog = timedelta(minutes=self.rng.uniform(3, 50))
        if start > t:
            # Arrived off shift: answered from the morning backlog.
            return start + backlog
        if chat:
            delay = self._lognormal(150, 1.0, 15, 90 * 60)
        else:
            delay = self._lognormal(50 * 60, 0.9, 3 * 60, 8 * 3600)
        if agent.night:
            delay *= 1.5
        reply = t + delay
        if reply > end:
            next_start, _ = self._shift(agent, end + timedelta(seconds=1))
            return next_start + backlog
        return reply

    def _customer_time(self, t: datetime, chat: bool) -> datetime:
        """When the customer answers something said at `t`."""
        if chat:
            delay = self._lognormal(100, 1.1, 8, 4 * 3600)
        else:
            delay = self._lognormal(2.5 * 3600, 1.0, 5 * 60, 36 * 3600)
        answer = t + delay
        local = answer.astimezone(SHOP_ZONE)
        if 1 <= local.hour < 7 and self.rng.random() < 0.8:
            # People sleep: the answer comes in the morning.
            morning = datetime.combine(local.date(), time(8), SHOP_ZONE)
            answer = (morning + timedelta(minutes=self.rng.uniform(0, 150))).astimezone(UTC)
        return answer

    # -- words ------------------------------------------------------------------------------
    def _fill(self, template: str, state: _State, female: bool) -> str:
        return gendered(template.format_map(state.ctx), female)

    def _pick(self, lines: Lines, state: _State) -> str:
        return self.rng.choice(lines[state.lang])

    def _agent_text(
        self, state: _State, agent: Agent, body: str, *, at: datetime, greet: bool = False
    ) -> str:
        """What the customer reads: the body, a greeting first, a signature in e-mail."""
        self._keep_date_ahead(state, at)
        hour = at.astimezone(SHOP_ZONE).hour
        hello = {
            "ru": "Доброе утро" if hour < 12 else "Добрый день" if hour < 18 else "Добрый вечер",
            "en": "Good morning" if hour < 12 else "Hello",
        }[state.lang]
        ctx = {**state.ctx, "agent": agent.first_name, "hello": hello}
        parts = [self._pick(texts.GREETING, state).format_map(ctx)] if greet else []
        parts.append(body.format_map(ctx))
        if state.chat:
            text = " ".join(parts)
        else:
            sign = "С уважением," if state.lang == "ru" else "Best regards,"
            team = "Служба заботы о клиентах" if state.lang == "ru" else "Customer care"
            text = "\n\n".join(parts) + f"\n\n{sign}\n{agent.name}\n{team}"
        return gendered(text, agent.female)

    def _set_date(self, state: _State, t: datetime) -> None:
        """{date} is a day the shop promises, one to four days after `t`."""
        when = t + timedelta(days=self.rng.randint(1, 4))
        local = when.astimezone(SHOP_ZONE)
        state.promised = datetime.combine(local.date(), time(0), SHOP_ZONE).astimezone(UTC)
        state.ctx["date"] = (
            f"{local.day:02d}.{local.month:02d}"
            if state.lang == "ru"
            else f"{MONTHS_EN[local.month - 1]} {local.day}"
        )
        state.ctx["promised"] = state.ctx["date"]

    def _keep_date_ahead(self, state: _State, t: datetime) -> None:
        # A conversation that runs for days promises new dates, never ones already past.
        if t >= state.promised - timedelta(hours=12):
            self._set_date(state, t)

    def _context(self, contact: ContactPlan, lang: str) -> dict[str, str]:
        rng = self.rng
        amount = rng.choice((990, 1490, 2390, 3490, 4990, 7990, 12490, 18990, 24990, 45990))
        return {
            "name": contact.first_name,
            "full": contact.full_name,
            "order": str(rng.randint(200_000, 299_999)),
            "track": str(rng.randint(10**9, 10**10 - 1)),
            "amount": f"{amount:,}".replace(",", " "),
            "amount_value": str(amount),
            "item": rng.choice(texts.ITEMS[lang]),
            "gadget": rng.choice(texts.GADGETS[lang]),
            "city": contact.city,
            "promo": rng.choice(texts.PROMO_CODES),
        }

    # -- the steps of a conversation --------------------------------------------------------
    def _customer(self, state: _State, timeline: _Timeline, template: str) -> None:
        """The customer answers what was said last."""
        when = self._customer_time(timeline.t, state.chat)
        self._keep_date_ahead(state, when)
        text = self._fill(template, state, state.contact.female)
        timeline.at(when, CustomerSays(state.index, text))

    def _agent(self, state: _State, timeline: _Timeline, body: str) -> None:
        """The assigned agent answers the customer's last message."""
        agent = self._assigned(state)
        when = self._reply_time(agent, timeline.t, state.chat)
        text = self._agent_text(state, agent, body, at=when)
        timeline.at(when, AgentSays(state.index, agent.user_id, text))

    def _note(self, state: _State, timeline: _Timeline, template: str, writer: Agent) -> None:
        when = self._on_duty(writer, timeline.t + timedelta(seconds=self.rng.uniform(20, 240)))
        self._keep_date_ahead(state, when)
        text = gendered(template.format_map(state.ctx), writer.female)
        timeline.at(when, AgentSays(state.index, writer.user_id, text, private=True))

    def _set_status(
        self, state: _State, timeline: _Timeline, status: str, until: datetime | None = None
    ) -> None:
        delay = timedelta(seconds=self.rng.uniform(5, 40))
        timeline.after(delay, SetStatus(state.index, self._assigned(state).user_id, status, until))

    @staticmethod
    def _assigned(state: _State) -> Agent:
        assert state.agent is not None
        return state.agent

    # -- one conversation -------------------------------------------------------------------
    def _conversation(
        self, index: int, contact: ContactPlan, channel: str, start: datetime, outcome: Outcome
    ) -> _Timeline:
        rng = self.rng
        inbox = self.roster.inboxes[channel]
        weights = TOPIC_WEIGHTS[channel]
        topic = TOPICS[rng.choices(list(weights), weights=list(weights.values()))[0]]
        script = rng.choice(topic.scripts[contact.lang])
        state = _State(
            index=index,
            contact=contact,
            inbox=inbox,
            topic=topic,
            script=script,
            exchanges=list(script.exchanges),
            lang=contact.lang,
            chat=channel in CHATS,
            ctx=self._context(contact, contact.lang),
            labels=list(topic.labels) + (["vip"] if "vip" in contact.data.tags else []),
        )
        self._set_date(state, start)
        timeline = _Timeline(start)
        self._open(state, timeline)
        if outcome is Outcome.WAITING:
            return timeline
        self._pick_up(state, timeline, self._pick_agent(state, timeline.t))

        if outcome is Outcome.IN_PROGRESS:
            if state.exchanges and rng.random() < 0.5:
                self._round(state, timeline)
            self._customer(state, timeline, self._follow_up(state))
            return timeline
        if outcome is Outcome.SNOOZED:
            self._customer(state, timeline, self._follow_up(state))
            self._agent(state, timeline, self._pick(texts.SNOOZE_PROMISE, state))
            until = self.now + timedelta(minutes=rng.uniform(3 * 60, 2 * 24 * 60))
            self._set_status(state, timeline, "snoozed", until)
            return timeline

        # A script's first exchange often settles what the first reply began.
        rounds = min(len(state.exchanges), rng.choices((1, 2, 3), weights=(5, 3, 1))[0])
        if script.ask is not None and outcome is not Outcome.PENDING and rng.random() < 0.35:
            self._ask(state, timeline)
        for _ in range(rounds):
            self._round(state, timeline)
        if outcome is Outcome.PENDING:
            # The agent needs something from the customer, who never answers.
            question = script.ask[0] if script.ask else self._pick(texts.GENERIC_ASK, state)
            self._agent(state, timeline, question)
            self._set_status(state, timeline, "pending")
            return timeline
        self._wrap_up(state, timeline)

        if outcome is Outcome.REOPENED and self.reopen_window > timedelta(hours=2):
            low = timedelta(hours=1)
            high = min(self.reopen_window - timedelta(hours=1), timedelta(days=4))
            again = script.again or self._pick_pair(texts.GENERIC_AGAIN, state)
            if "{promised}" in again[0]:
                # "It did not come on the day you promised" is said after that day.
                low = max(low, state.promised + timedelta(hours=20) - timeline.t)
                if low >= high:
                    again = self._pick_pair(texts.GENERIC_AGAIN, state)
                    low = timedelta(hours=1)
            gap = timedelta(seconds=rng.uniform(low.total_seconds(), high.total_seconds()))
            comeback = timeline.t + gap
            text = self._fill(again[0], state, state.contact.female)
            timeline.at(comeback, CustomerSays(index, text))
            # What the agent promises now is a new date.
            self._set_date(state, comeback)
            self._agent(state, timeline, again[1])
            if state.exchanges and rng.random() < 0.3:
                self._round(state, timeline)
            self._wrap_up(state, timeline)
        return timeline

    def _pick_pair(
        self, pairs: dict[str, tuple[tuple[str, str], ...]], state: _State
    ) -> tuple[str, str]:
        return self.rng.choice(pairs[state.lang])

    def _follow_up(self, state: _State) -> str:
        """The customer's next line: the script's next question, or a generic one."""
        if state.exchanges:
            return state.exchanges[0][0]
        return self._pick(texts.FOLLOW_UP, state)

    def _open(self, state: _State, timeline: _Timeline) -> None:
        rng, topic, script = self.rng, state.topic, state.script
        channel = state.inbox.channel
        bot = channel == "webchat" and rng.random() < 0.3
        content = self._fill(script.opening, state, state.contact.female)
        if channel == "email":
            sign = "С уважением," if state.lang == "ru" else "Best regards,"
            content = f"{content}\n\n{sign}\n{state.contact.full_name}"
        priority = rng.choices(("low", "normal", "high", "urgent"), weights=topic.priorities)[0]
        attributes: dict[str, Any] = {}
        for key in topic.attribute_keys:
            if key == "order_number":
                attributes[key] = state.ctx["order"]
            elif key == "order_amount":
                attributes[key] = int(state.ctx["amount_value"])
            elif key == "refund_approved":
                attributes[key] = rng.random() < 0.6
            elif key == "delivery_method":
                attributes[key] = rng.choice(("courier", "pickup", "post"))
        timeline.at(
            timeline.t,
            Open(
                conversation=state.index,
                contact=state.contact.index,
                inbox_id=state.inbox.inbox_id,
                subject="" if state.chat else self._fill(script.subject, state, False),
                status="bot" if bot else "open",
                priority=priority,
                type=topic.type,
                team_id=state.inbox.team_id,
                labels=tuple(state.labels),
                attributes=attributes,
                content=content,
            ),
        )
        if script.extra and state.chat and rng.random() < 0.6:
            extra = self._fill(script.extra, state, state.contact.female)
            timeline.after(timedelta(seconds=rng.uniform(5, 90)), CustomerSays(state.index, extra))
        if bot:
            # The bot greeted; the customer asked for a person, and the bot handed off.
            timeline.after(
                timedelta(seconds=rng.uniform(20, 90)),
                CustomerSays(state.index, self._pick(texts.ASK_FOR_HUMAN, state)),
            )
            timeline.after(
                timedelta(seconds=rng.uniform(1, 4)), SetStatus(state.index, None, "open")
            )

    def _pick_agent(self, state: _State, t: datetime) -> Agent:
        """Whoever of the inbox's agents is at work first (English speakers for English)."""
        members = [a for a in self.roster.agents if state.inbox.channel in a.channels]
        duty = {a.user_id: self._on_duty(a, t) for a in members}
        first = min(duty.values())
        ready = [a for a in members if duty[a.user_id] <= first + timedelta(minutes=5)]
        weights = [
            (5.0 if a.lang == state.lang else 0.15) if "en" in (a.lang, state.lang) else 1.0
            for a in ready
        ]
        return self.rng.choices(ready, weights=weights)[0]

    def _pick_up(self, state: _State, timeline: _Timeline, agent: Agent) -> None:
        rng = self.rng
        asked = timeline.t
        reply_at = self._reply_time(agent, asked, state.chat)
        if state.chat and reply_at - asked > timedelta(minutes=15) and rng.random() < 0.5:
            nudge_at = asked + min((reply_at - asked) / 2, timedelta(minutes=40))
            timeline.at(nudge_at, CustomerSays(state.index, self._pick(texts.NUDGE, state)))
        supervisor = self.roster.supervisor
        if rng.random() < 0.15 and self._on_duty(supervisor, asked) < reply_at:
            # The supervisor hands it out from the queue.
            by = max(self._on_duty(supervisor, asked), reply_at - timedelta(minutes=10))
            timeline.at(by, Assign(state.index, supervisor.user_id, agent.user_id, agent.team_id))
        else:
            # The agent takes it from the queue.
            took = reply_at - timedelta(seconds=rng.uniform(5, 40))
            timeline.at(took, Assign(state.index, agent.user_id, agent.user_id, agent.team_id))
        state.agent = agent
        text = self._agent_text(state, agent, state.script.reply, at=reply_at, greet=True)
        timeline.at(reply_at, AgentSays(state.index, agent.user_id, text))

    def _ask(self, state: _State, timeline: _Timeline) -> None:
        """The agent needs something from the customer and waits (pending) for it."""
        assert state.script.ask is not None
        question, answer, follow_up = state.script.ask
        self._agent(state, timeline, question)
        self._set_status(state, timeline, "pending")
        self._customer(state, timeline, answer)  # wakes the conversation up
        self._agent(state, timeline, follow_up)

    def _round(self, state: _State, timeline: _Timeline) -> None:
        """The customer says the next thing, the team works on it, the agent answers."""
        rng, topic = self.rng, state.topic
        said, answer = state.exchanges.pop(0)
        self._customer(state, timeline, said)
        if rng.random() < 0.2:
            self._collaborate(state, timeline)
        if not state.transferred and rng.random() < 0.09:
            self._transfer(state, timeline)
        if topic.type == "complaint" and not state.escalated and rng.random() < 0.35:
            self._escalate(state, timeline)
        if rng.random() < 0.07:
            self._snooze_and_return(state, timeline, answer)
        else:
            self._agent(state, timeline, answer)

    def _collaborate(self, state: _State, timeline: _Timeline) -> None:
        """A private note: asking the supervisor or a colleague, or a note for the record."""
        rng, agent = self.rng, self._assigned(state)
        specialist = self.roster.specialist
        if state.topic.type == "complaint" and specialist != agent and rng.random() < 0.5:
            timeline.after(
                timedelta(seconds=rng.uniform(10, 60)),
                Invite(state.index, agent.user_id, specialist.user_id),
            )
            note = texts.SPECIALIST_NOTE.format(mention=specialist.mention)
            self._note(state, timeline, note, agent)
            self._note(state, timeline, rng.choice(texts.SPECIALIST_ANSWERS), specialist)
            return
        if rng.random() < 0.6:
            colleagues = [
                a
                for a in self.roster.agents
                if state.inbox.channel in a.channels and a != agent and a.lang == "ru"
            ]
            target = (
                self.roster.supervisor
                if rng.random() < 0.6 or not colleagues
                else rng.choice(colleagues)
            )
            pairs = texts.MENTIONS[agent.lang]
            if agent.lang == "ru" and state.topic.mentions and rng.random() < 0.7:
                pairs = state.topic.mentions
            question, answer = rng.choice(pairs)
            self._note(state, timeline, question.replace("{mention}", target.mention), agent)
            if rng.random() < 0.8:
                self._note(state, timeline, answer, target)
            return
        notes = state.topic.notes if agent.lang == "ru" and state.topic.notes else texts.EN_NOTES
        self._note(state, timeline, rng.choice(notes), agent)

    def _transfer(self, state: _State, timeline: _Timeline) -> None:
        rng, agent = self.rng, self._assigned(state)
        members = [
            a for a in self.roster.agents if state.inbox.channel in a.channels and a != agent
        ]
        if not members:
            return
        other_team = [a for a in members if a.team_id != agent.team_id]
        to = rng.choice(other_team if other_team and rng.random() < 0.6 else members)
        pool = texts.TRANSFER_NOTE if agent.lang == "ru" else texts.EN_TRANSFER_NOTES
        self._note(state, timeline, rng.choice(pool).replace("{to}", to.name), agent)
        timeline.after(
            timedelta(seconds=rng.uniform(5, 30)),
            Assign(state.index, agent.user_id, to.user_id, to.team_id),
        )
        state.agent = to
        state.transferred = True

    def _escalate(self, state: _State, timeline: _Timeline) -> None:
        agent = self._assigned(state)
        pool = texts.ESCALATION_NOTE if agent.lang == "ru" else texts.EN_ESCALATION_NOTE
        self._note(state, timeline, self.rng.choice(pool), agent)
        if "срочно" not in state.labels:
            state.labels.append("срочно")
        priority = "urgent" if self.rng.random() < 0.3 else "high"
        timeline.after(
            timedelta(seconds=self.rng.uniform(3, 20)),
            Escalate(state.index, agent.user_id, priority, tuple(state.labels)),
        )
        state.escalated = True

    def _snooze_and_return(self, state: _State, timeline: _Timeline, answer: str) -> None:
        """The agent promises an answer, snoozes, and the timer brings it back."""
        rng, agent = self.rng, self._assigned(state)
        self._agent(state, timeline, self._pick(texts.SNOOZE_PROMISE, state))
        _start, end = self._shift(agent, timeline.t)
        next_start, _ = self._shift(agent, end + timedelta(seconds=1))
        until = (
            next_start + timedelta(minutes=rng.uniform(30, 90))
            if rng.random() < 0.5
            else timeline.t + timedelta(minutes=rng.uniform(60, 300))
        )
        self._set_status(state, timeline, "snoozed", until)
        timeline.at(until, Wake(state.index))
        back = self._on_duty(agent, until + timedelta(minutes=rng.uniform(1, 25)))
        body = self._pick(texts.THANKS_FOR_WAITING, state) + " " + answer
        text = self._agent_text(state, agent, body, at=back)
        timeline.at(back, AgentSays(state.index, agent.user_id, text))

    def _wrap_up(self, state: _State, timeline: _Timeline) -> None:
        rng, agent = self.rng, self._assigned(state)
        r = rng.random()
        if r < 0.65:
            self._customer(state, timeline, self._pick(texts.THANKS, state))
            if rng.random() < 0.6:
                self._agent(state, timeline, self._pick(texts.CLOSING, state))
            done = self._on_duty(agent, timeline.t + timedelta(minutes=rng.uniform(1, 15)))
        elif r < 0.8:
            # The customer went quiet: wait for them, then close politely.
            self._set_status(state, timeline, "pending")
            later = self._on_duty(agent, timeline.t + timedelta(hours=rng.uniform(3, 20)))
            body = self._pick(texts.NO_REPLY_CLOSE, state)
            text = self._agent_text(state, agent, body, at=later)
            timeline.at(later, AgentSays(state.index, agent.user_id, text))
            done = timeline.t + timedelta(seconds=rng.uniform(5, 60))
        else:
            done = timeline.t + timedelta(minutes=rng.uniform(1, 5))
        timeline.at(done, SetStatus(state.index, agent.user_id, "resolved"))


def build_plan(
    *,
    roster: Roster,
    now: datetime,
    days: int,
    contacts: int,
    conversations: int,
    seed: int,
    reopen_window: timedelta,
) -> Plan:
    """The same inputs always give the same plan."""
    return Planner(
        rng=random.Random(seed),
        roster=roster,
        now=now,
        days=days,
        contacts=contacts,
        conversations=conversations,
        reopen_window=reopen_window,
    ).plan()
