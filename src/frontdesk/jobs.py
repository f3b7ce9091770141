"""The outbox job kinds this desk knows, and the handler of each."""

from __future__ import annotations

from frontdesk.channels import delivery as channel_delivery
from frontdesk.channels.email.poller import make_poll_handler as make_email_poll_handler
from frontdesk.channels.email.service import POLL_JOB as EMAIL_POLL_JOB
from frontdesk.channels.vk import jobs as vk_jobs
from frontdesk.channels.webchat import jobs as webchat_jobs
from frontdesk.conversations import service as conversations
from frontdesk.core.db import Database
from frontdesk.core.storage import LocalStorage
from frontdesk.notifications.mailer import make_email_handler
from frontdesk.notifications.service import EMAIL_JOB
from frontdesk.outbox.worker import Handler, Job
from frontdesk.portal import jobs as portal_jobs
from frontdesk.settings import Settings
from frontdesk.webhooks import jobs as webhook_jobs


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

    return {
        EMAIL_JOB: make_email_handler(settings),
        "conversation.wake": wake,
        # channel.deliver (replies to messengers) and channel.fetch_attachments.
        **channel_delivery.handlers(settings, db, LocalStorage(settings.attachments_dir)),
        # Reading each e-mail inbox's mailbox; the job schedules its next run itself.
        EMAIL_POLL_JOB: make_email_poll_handler(
            settings, db, LocalStorage(settings.attachments_dir)
        ),
        # Customer portal: sign-in link mails.
        **portal_jobs.handlers(settings, db),
        # VK: a new customer's name (the Callback API does not say it).
        **vk_jobs.handlers(settings, db),
        # The website chat widget: the satisfaction survey after a resolution.
        **webchat_jobs.handlers(settings, db),
        # Outgoing webhooks: webhook.deliver and webhook.catch_up.
        **webhook_jobs.handlers(settings, db),
    }
