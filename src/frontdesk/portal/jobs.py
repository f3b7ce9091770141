"""The portal's outbox job: mail a sign-in link."""

from __future__ import annotations

import aiosmtplib

from frontdesk.core.db import Database
from frontdesk.notifications.mailer import send_mail
from frontdesk.outbox.worker import Handler, Job, PermanentError
from frontdesk.portal import rules, service
from frontdesk.settings import Settings


def handlers(settings: Settings, db: Database) -> dict[str, Handler]:
    async def mail_link(job: Job) -> None:
        if not settings.smtp_host:
            raise PermanentError("SMTP is not configured (set FRONTDESK_SMTP_HOST)")
        link_id = int(job.payload["link_id"])
        issued = await db.write(lambda uow: service.issue_link_token(uow, link_id=link_id))
        if issued is None:
            return  # used or expired meanwhile: a mail now would only disappoint
        url = f"{settings.base_url.rstrip('/')}/portal/{issued.slug}/sign-in/{issued.token}"
        subject, body = rules.sign_in_mail(
            language=issued.language, portal=issued.portal_name, url=url
        )
        try:
            await send_mail(
                settings,
                to=issued.email,
                subject=subject,
                body=body,
                key=f"job-{job.id}-{job.attempt}",
                idempotency_key=job.idempotency_key,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"recipient refused: {exc}") from exc

    return {service.LINK_JOB: mail_link}
