from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from frontdesk.auth.dependencies import AdminPrincipal
from frontdesk.core.context import Ctx
from frontdesk.core.pagination import Page
from frontdesk.outbox import service
from frontdesk.outbox.schemas import JobCounts, JobOut, JobStatus

router = APIRouter(tags=["outbox"])


@router.get("/outbox/jobs", response_model=Page[JobOut])
async def list_jobs(
    ctx: Ctx,
    principal: AdminPrincipal,
    status: Annotated[list[JobStatus] | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[JobOut]:
    statuses = [s.value for s in status or []]
    return await ctx.db.read(
        lambda s: service.list_jobs(
            s, principal=principal, statuses=statuses, cursor=cursor, limit=limit
        )
    )


@router.get("/outbox/counts", response_model=JobCounts)
async def job_counts(ctx: Ctx, principal: AdminPrincipal) -> JobCounts:
    """How many of the workspace's jobs wait, run, or are dead-lettered now."""
    return await ctx.db.read(lambda s: service.counts(s, principal=principal))


@router.post("/outbox/jobs/{job_id}/redeliver", response_model=JobOut)
async def redeliver(job_id: int, ctx: Ctx, principal: AdminPrincipal) -> JobOut:
    return await ctx.db.write(
        lambda uow: service.redeliver(uow, principal=principal, job_id=job_id)
    )
