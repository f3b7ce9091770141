"""The demo plan: deterministic, in the past, consistent per conversation (no database)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from frontdesk.demo.plan import (
    Agent,
    AgentSays,
    Assign,
    CustomerSays,
    InboxRef,
    NewContact,
    Open,
    Outcome,
    Plan,
    Roster,
    SetStatus,
    Step,
    build_plan,
    gendered,
)

NOW = datetime(2026, 3, 18, 14, 30, tzinfo=UTC)
CHANNELS = ("webchat", "telegram", "whatsapp", "vk", "email", "portal", "api")


def roster() -> Roster:
    def agent(user_id: int, name: str, channels: tuple[str, ...], **kw: object) -> Agent:
        return Agent(
            user_id=user_id,
            name=name,
            female=user_id % 2 == 0,
            lang=str(kw.get("lang", "ru")),
            team_id=1 if user_id < 5 else 2,
            channels=frozenset(channels),
            night=bool(kw.get("night", False)),
        )

    agents = (
        agent(3, "Анна Петрова", ("webchat", "telegram", "vk", "whatsapp")),
        agent(4, "Дмитрий Волков", ("webchat", "telegram", "vk")),
        agent(5, "Иван Морозов", ("email", "portal", "api", "whatsapp", "webchat")),
        agent(6, "Sarah Johnson", ("email", "webchat", "whatsapp", "telegram"), lang="en"),
        agent(7, "Павел Лебедев", CHANNELS),
        agent(8, "Никита Орлов", ("webchat", "telegram", "whatsapp", "email"), night=True),
    )
    return Roster(
        agents=agents,
        supervisor=agent(2, "Ольга Кузнецова", ()),
        specialist=agents[4],
        inboxes={
            c: InboxRef(inbox_id=10 + i, channel=c, team_id=1) for i, c in enumerate(CHANNELS)
        },
    )


def plan(seed: int = 7, conversations: int = 150) -> Plan:
    return build_plan(
        roster=roster(),
        now=NOW,
        days=30,
        contacts=40,
        conversations=conversations,
        seed=seed,
        reopen_window=timedelta(days=7),
    )


def by_conversation(steps: tuple[Step, ...]) -> dict[int, list[Step]]:
    grouped: dict[int, list[Step]] = defaultdict(list)
    for step in steps:
        if not isinstance(step.action, NewContact):
            grouped[step.action.conversation].append(step)
    return grouped


def test_the_same_seed_gives_the_same_plan_and_another_seed_another() -> None:
    first, again, other = plan(), plan(), plan(seed=8)
    assert first.steps == again.steps and first.contacts == again.contacts
    assert first.steps != other.steps


def test_every_step_is_in_the_planned_month_and_none_after_now() -> None:
    steps = plan().steps
    assert [s.at for s in steps] == sorted(s.at for s in steps)
    assert all(s.at <= NOW for s in steps)
    conversation_steps = [s for s in steps if not isinstance(s.action, NewContact)]
    assert all(s.at >= NOW - timedelta(days=30) for s in conversation_steps)


def test_each_conversation_opens_first_and_moves_forward_in_time() -> None:
    the_plan = plan()
    conversations = by_conversation(the_plan.steps)
    assert len(conversations) == the_plan.conversations >= 140
    for steps in conversations.values():
        assert isinstance(steps[0].action, Open)
        times = [s.at for s in steps]
        assert times == sorted(times) and len(set(times)) == len(times)


def test_a_contact_exists_before_their_first_conversation() -> None:
    created: dict[int, datetime] = {}
    for step in plan().steps:
        if isinstance(step.action, NewContact):
            created[step.action.contact] = step.at
        elif isinstance(step.action, Open):
            assert created[step.action.contact] < step.at


def test_agents_answer_only_conversations_of_their_inboxes() -> None:
    the_plan, staff = plan(), roster()
    channel_of = {i.inbox_id: c for c, i in staff.inboxes.items()}
    members = {a.user_id: a.channels for a in staff.agents}
    for steps in by_conversation(the_plan.steps).values():
        opening = steps[0].action
        assert isinstance(opening, Open)
        channel = channel_of[opening.inbox_id]
        for step in steps:
            action = step.action
            if isinstance(action, Assign):
                assert channel in members[action.assignee_id]
            if isinstance(action, AgentSays) and not action.private:
                assert channel in members[action.user_id]


def test_all_outcomes_appear_even_in_a_small_demo() -> None:
    the_plan = plan(conversations=30)
    assert set(the_plan.outcomes.values()) == set(Outcome)


def test_snoozes_wake_in_the_future_of_the_snooze_and_reopens_stay_in_the_window() -> None:
    for steps in by_conversation(plan().steps).values():
        resolved_at = None
        for step in steps:
            action = step.action
            if isinstance(action, SetStatus) and action.status == "snoozed":
                assert action.snoozed_until is not None and action.snoozed_until > step.at
            if isinstance(action, SetStatus) and action.status == "resolved":
                resolved_at = step.at
            if isinstance(action, CustomerSays) and resolved_at is not None:
                # A later customer message reopens; it must not start a new conversation.
                assert step.at - resolved_at <= timedelta(days=7)
                resolved_at = None


def test_every_text_is_filled_in_and_mentions_use_the_mention_syntax() -> None:
    texts = []
    for step in plan(conversations=400).steps:
        action = step.action
        if isinstance(action, Open):
            texts += [action.content, action.subject]
        elif isinstance(action, CustomerSays | AgentSays):
            texts.append(action.content)
    assert texts
    for text in texts:
        assert "{" not in text and "(а)" not in text, text
    mentions = [t for t in texts if t.startswith("@[")]
    assert mentions and all("](user:" in t for t in mentions)
    assert any("Здравствуйте" in t for t in texts) and any("Hi " in t for t in texts)


def test_russian_endings_follow_the_writer() -> None:
    text = "Проверил(а) и перенёс(ла), вернулся(ась)"
    assert gendered(text, female=True) == "Проверила и перенесла, вернулась"
    assert gendered(text, female=False) == "Проверил и перенёс, вернулся"
