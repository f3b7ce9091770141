"""Who is asking: the authenticated user, their role and workspace."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    agent = "agent"
    supervisor = "supervisor"
    admin = "admin"


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    workspace_id: int
    role: Role
    via: str  # "session" or "token"

    @property
    def is_admin(self) -> bool:
        return self.role is Role.admin

    @property
    def is_supervisor_or_admin(self) -> bool:
        return self.role in (Role.supervisor, Role.admin)
