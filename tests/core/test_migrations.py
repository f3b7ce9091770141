"""The migrations create exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command

from frontdesk.core.migrate import alembic_config
from frontdesk.settings import Settings


def test_models_and_migrations_agree(settings: Settings) -> None:
    # Raises when autogenerate would write a new migration: a model changed without one.
    command.check(alembic_config(settings.resolved_database_url))
