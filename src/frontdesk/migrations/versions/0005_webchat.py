"""website chat widget: its visitors, and the CSAT surveys sent after resolution

Revision ID: 0005_webchat
Revises: 0006_portal
Create Date: 2026-11-22 17:34:41.070827
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.core.models

revision = "0005_webchat"
down_revision = "0006_portal"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "csat_responses",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("inbox_id", _ID, nullable=False),
        sa.Column("conversation_id", _ID, nullable=False),
        sa.Column("contact_id", _ID, nullable=True),
        sa.Column("assignee_id", _ID, nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("surveyed_at", frontdesk.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", frontdesk.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["users.id"],
            name=op.f("fk_csat_responses_assignee_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_csat_responses_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_csat_responses_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["inboxes.id"],
            name=op.f("fk_csat_responses_inbox_id_inboxes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_csat_responses_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csat_responses")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_csat_responses_conversation_id")),
    )
    with op.batch_alter_table("csat_responses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_csat_responses_assignee", ["assignee_id", "surveyed_at"], unique=False
        )
        batch_op.create_index(
            "ix_csat_responses_workspace_surveyed", ["workspace_id", "surveyed_at"], unique=False
        )

    op.create_table(
        "webchat_visitors",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("inbox_id", _ID, nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("contact_id", _ID, nullable=True),
        sa.Column("conversation_id", _ID, nullable=True),
        sa.Column("identifier", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("prechat_at", frontdesk.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("consent_at", frontdesk.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("followup_email", sa.String(length=320), nullable=True),
        sa.Column("followup_conversation_id", _ID, nullable=True),
        sa.Column("info", sa.JSON(), nullable=False),
        sa.Column("read_message_id", _ID, nullable=True),
        sa.Column("created_at", frontdesk.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", frontdesk.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_webchat_visitors_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_webchat_visitors_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["followup_conversation_id"],
            ["conversations.id"],
            name=op.f("fk_webchat_visitors_followup_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["inboxes.id"],
            name=op.f("fk_webchat_visitors_inbox_id_inboxes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_webchat_visitors_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webchat_visitors")),
        sa.UniqueConstraint("key", name=op.f("uq_webchat_visitors_key")),
    )
    with op.batch_alter_table("webchat_visitors", schema=None) as batch_op:
        batch_op.create_index("ix_webchat_visitors_conversation", ["conversation_id"], unique=False)
        batch_op.create_index(
            "ix_webchat_visitors_followup", ["followup_conversation_id"], unique=False
        )
        batch_op.create_index(
            "ix_webchat_visitors_inbox_contact", ["inbox_id", "contact_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("webchat_visitors", schema=None) as batch_op:
        batch_op.drop_index("ix_webchat_visitors_inbox_contact")
        batch_op.drop_index("ix_webchat_visitors_followup")
        batch_op.drop_index("ix_webchat_visitors_conversation")
    op.drop_table("webchat_visitors")
    with op.batch_alter_table("csat_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_csat_responses_workspace_surveyed")
        batch_op.drop_index("ix_csat_responses_assignee")

    op.drop_table("csat_responses")
