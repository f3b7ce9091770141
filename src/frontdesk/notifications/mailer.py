"""Sends the notification e-mails queued in the outbox, over SMTP."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from frontdesk.outbox.worker import Handler, Job, PermanentError
from frontdesk.settings import Settings


def make_email_handler(settings: Settings) -> Handler:
    async def send(job: Job) -> None:
        if not settings.smtp_host:
            raise PermanentError("SMTP is not configured (set FRONTDESK_SMTP_HOST)")
        message = EmailMessage()
        message["From"] = settings.smtp_from
        message["To"] = job.payload["to"]
        message["Subject"] = job.payload["subject"]
        # A stable Message-ID per job lets a receiving server drop a retried duplicate.
        domain = settings.smtp_from.rsplit("@", 1)[-1].rstrip(">") or "frontdesk.local"
        message["Message-ID"] = f"<frontdesk-job-{job.id}@{domain}>"
        message["X-Frontdesk-Idempotency-Key"] = job.idempotency_key
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(job.payload["body"])
        try:
            await aiosmtplib.send(
                message,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=settings.smtp_password,
                start_tls=settings.smtp_starttls,
                timeout=30,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"recipient refused: {exc}") from exc

    return send
