"""Sends the notification e-mails queued in the outbox, over SMTP."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from frontdesk.outbox.worker import Handler, Job, PermanentError
from frontdesk.settings import Settings


async def send_mail(
    settings: Settings, *, to: str, subject: str, body: str, key: str, idempotency_key: str
) -> None:
    """Send one plain-text mail over the desk's SMTP server (settings.smtp_*). `key` names it
    in a stable Message-ID, so that a receiving server drops a retried duplicate. Raises
    aiosmtplib's errors (SMTPRecipientsRefused: retrying will not help)."""
    if not settings.smtp_host:
        raise RuntimeError("SMTP is not configured (set FRONTDESK_SMTP_HOST)")
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    domain = settings.smtp_from.rsplit("@", 1)[-1].rstrip(">") or "frontdesk.local"
    message["Message-ID"] = f"<frontdesk-{key}@{domain}>"
    message["X-Frontdesk-Idempotency-Key"] = idempotency_key
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    await aiosmtplib.send(
        message,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        start_tls=settings.smtp_starttls,
        timeout=30,
    )


def make_email_handler(settings: Settings) -> Handler:
    async def send(job: Job) -> None:
        if not settings.smtp_host:
            raise PermanentError("SMTP is not configured (set FRONTDESK_SMTP_HOST)")
        try:
            await send_mail(
                settings,
                to=job.payload["to"],
                subject=job.payload["subject"],
                body=job.payload["body"],
                key=f"job-{job.id}",
                idempotency_key=job.idempotency_key,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"recipient refused: {exc}") from exc

    return send
