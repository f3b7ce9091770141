"""Notifying agents: a live event for their screen and an e-mail through the outbox."""

from __future__ import annotations

from frontdesk.core.db import UnitOfWork
from frontdesk.notifications.rules import plain_text
from frontdesk.outbox import service as outbox
from frontdesk.team import service as team_service

EMAIL_JOB = "notify.email"


def _email(
    uow: UnitOfWork, *, workspace_id: int, to: str, subject: str, body: str, key: str
) -> None:
    outbox.enqueue(
        uow,
        kind=EMAIL_JOB,
        workspace_id=workspace_id,
        idempotency_key=key,
        payload={"to": to, "subject": subject, "body": body},
    )


def notify_assignment(
    uow: UnitOfWork,
    *,
    workspace_id: int,
    conversation_id: int,
    number: int,
    user_id: int,
    actor_user_id: int | None,
) -> None:
    users = {
        u.id: u
        for u in team_service.users_by_ids(
            uow.session,
            workspace_id=workspace_id,
            user_ids=[user_id] + ([actor_user_id] if actor_user_id else []),
        )
    }
    assignee = users.get(user_id)
    if assignee is None or not assignee.is_active:
        return
    actor = users.get(actor_user_id) if actor_user_id else None
    by = f" by {actor.name}" if actor else ""
    uow.record(
        "notification.assigned",
        workspace_id=workspace_id,
        conversation_id=conversation_id,
        user_ids=[user_id],
        actor_user_id=actor_user_id,
        data={"conversation_id": conversation_id, "number": number, "user_id": user_id},
    )
    _email(
        uow,
        workspace_id=workspace_id,
        to=assignee.email,
        subject=f"Conversation #{number} was assigned to you",
        body=f"Hello {assignee.name},\n\nconversation #{number} was assigned to you{by}.\n",
        key=f"assign:{conversation_id}:{user_id}:{uow.events[-1].id}",
    )


def notify_mentions(
    uow: UnitOfWork,
    *,
    workspace_id: int,
    conversation_id: int,
    number: int,
    inbox_id: int,
    message_id: int,
    content: str,
    user_ids: list[int],
    actor_user_id: int,
) -> None:
    users = team_service.users_by_ids(
        uow.session, workspace_id=workspace_id, user_ids=[*user_ids, actor_user_id]
    )
    by_id = {u.id: u for u in users}
    actor = by_id.get(actor_user_id)
    targets = [
        by_id[u] for u in user_ids if u in by_id and u != actor_user_id and by_id[u].is_active
    ]
    if not targets:
        return
    text = plain_text(content)
    uow.record(
        "notification.mentioned",
        workspace_id=workspace_id,
        inbox_id=None,
        conversation_id=conversation_id,
        user_ids=[u.id for u in targets],
        actor_user_id=actor_user_id,
        data={
            "conversation_id": conversation_id,
            "number": number,
            "message_id": message_id,
            "by": actor.name if actor else None,
            "excerpt": text[:300],
        },
    )
    for user in targets:
        _email(
            uow,
            workspace_id=workspace_id,
            to=user.email,
            subject=f"{actor.name if actor else 'A colleague'} mentioned you in #{number}",
            body=f"{actor.name if actor else 'A colleague'} wrote in conversation "
            f"#{number}:\n\n{text}\n",
            key=f"mention:{message_id}:{user.id}",
        )
