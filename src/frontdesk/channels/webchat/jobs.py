"""The widget's outbox job: ask a resolved conversation's visitor for a rating.

Enqueued in the resolution's transaction (service.survey_on_resolution), so it runs in
whichever process works the outbox (`frontdesk worker`, or the app's own), and runs again if
that process dies before it is done: writing the survey is idempotent."""

from __future__ import annotations

from frontdesk.channels.webchat import service
from frontdesk.core.db import Database
from frontdesk.outbox.worker import Handler, Job
from frontdesk.settings import Settings


def handlers(_settings: Settings, db: Database) -> dict[str, Handler]:
    async def survey(job: Job) -> None:
        assert job.workspace_id is not None
        workspace_id = job.workspace_id
        conversation_id = int(job.payload["conversation_id"])
        raw = job.payload.get("assignee_id")
        assignee_id = int(raw) if raw is not None else None
        await db.write(
            lambda uow: service.send_survey(
                uow,
                workspace_id=workspace_id,
                conversation_id=conversation_id,
                assignee_id=assignee_id,
            )
        )

    return {service.SURVEY_JOB: survey}
