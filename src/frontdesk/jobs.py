"""The outbox job kinds this desk knows, and the handler of each."""

from __future__ import annotations

from frontdesk.conversations import service as conversations
from frontdesk.core.db import Database
from frontdesk.notifications.mailer import make_email_handler
from frontdesk.notifications.service import EMAIL_JOB
from frontdesk.outbox.worker import Handler, Job
from frontdesk.settings import Settings


def handlers(settings: Settings, db: Database) -> dict[str, Handler]:
    async def wake(job: Job) -> None:
        assert job.workspace_id is not None
        conversation_id = int(job.payload["conversation_id"])
        workspace_id = job.workspace_id
        await db.write(
            lambda uow: conversations.wake_if_due(
                uow, workspace_id=workspace_id, conversation_id=conversation_id
            )
        )

    return {EMAIL_JOB: make_email_handler(settings), "conversation.wake": wake}
