from __future__ import annotations

from datetime import datetime

from pydantic import Field

from frontdesk.core.schemas import InputModel, OutputModel


class LoginIn(InputModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=200)


class LoginOut(OutputModel):
    user_id: int
    csrf_token: str
    expires_at: datetime


class TokenCreate(InputModel):
    name: str = Field(default="", max_length=200)


class TokenOut(OutputModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class NewTokenOut(TokenOut):
    token: str = Field(description="shown once; only its hash is stored")


class MeOut(OutputModel):
    user_id: int
    workspace_id: int
    role: str
    via: str
    name: str
    email: str
    language: str
    time_zone: str
