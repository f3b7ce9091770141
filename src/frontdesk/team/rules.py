"""Pure decisions about users and roles (no I/O)."""

from __future__ import annotations

from frontdesk.core.principal import Role


def leaves_no_admin(
    *,
    is_admin_now: bool,
    is_active_now: bool,
    new_role: Role | None,
    new_is_active: bool | None,
    other_active_admins: int,
) -> bool:
    """Whether changing one user's role or active flag would leave the workspace without an
    active admin, and with it nobody who could undo the change."""
    if not (is_admin_now and is_active_now) or other_active_admins > 0:
        return False
    stays_admin = new_role is None or new_role is Role.admin
    stays_active = new_is_active is None or new_is_active
    return not (stays_admin and stays_active)
