"""list indexes: Mine through (workspace, assignee, last activity)

bench/app_perf.py at 100,000 conversations: the Mine view read the whole workspace through
ix_conversations_ws_activity (140 ms), because SQLite (no statistics) saw no reason to prefer
the index led by assignee_id alone. Led by workspace_id as well, it wins and the page reads only
the user's rows. It replaces the old one, so writes (every message moves last_activity_at)
update no more indexes than before.

Chained after the newest revision present when it was written (0004_email), so that the
history keeps one head.

Revision ID: 0003_list_indexes
Revises: 0004_email
Create Date: 2026-11-22 17:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0003_list_indexes"
down_revision = "0004_email"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_conversations_ws_assignee_activity",
        "conversations",
        ["workspace_id", "assignee_id", "last_activity_at", "id"],
        unique=False,
    )
    op.drop_index("ix_conversations_assignee_activity", table_name="conversations")


def downgrade() -> None:
    op.create_index(
        "ix_conversations_assignee_activity",
        "conversations",
        ["assignee_id", "last_activity_at", "id"],
        unique=False,
    )
    op.drop_index("ix_conversations_ws_assignee_activity", table_name="conversations")
