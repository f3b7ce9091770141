"""e-mail channel: IMAP reading position per inbox, Message-IDs of each conversation's mails

Revision ID: 0004_email
Revises: 0002_agent_workspace
Create Date: 2026-11-22 17:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.core.models

revision = '0004_email'
down_revision = '0002_agent_workspace'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('email_mailboxes',
    sa.Column('inbox_id', _ID, nullable=False),
    sa.Column('workspace_id', _ID, nullable=False),
    sa.Column('folder', sa.String(length=255), nullable=False),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=True),
    sa.Column('last_uid', sa.BigInteger(), nullable=False),
    sa.Column('last_polled_at', frontdesk.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=1000), nullable=True),
    sa.Column('failures', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['inbox_id'], ['inboxes.id'], name=op.f('fk_email_mailboxes_inbox_id_inboxes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_email_mailboxes_workspace_id_workspaces')),
    sa.PrimaryKeyConstraint('inbox_id', name=op.f('pk_email_mailboxes'))
    )
    op.create_table('email_thread_messages',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('workspace_id', _ID, nullable=False),
    sa.Column('inbox_id', _ID, nullable=False),
    sa.Column('conversation_id', _ID, nullable=False),
    sa.Column('message_id', _ID, nullable=True),
    sa.Column('rfc_message_id', sa.String(length=255), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('thread_references', sa.JSON(), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('created_at', frontdesk.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_email_thread_messages_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['inbox_id'], ['inboxes.id'], name=op.f('fk_email_thread_messages_inbox_id_inboxes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_email_thread_messages_message_id_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_email_thread_messages_workspace_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_thread_messages')),
    sa.UniqueConstraint('inbox_id', 'rfc_message_id', name=op.f('uq_email_thread_messages_inbox_id_rfc_message_id'))
    )
    with op.batch_alter_table('email_thread_messages', schema=None) as batch_op:
        batch_op.create_index('ix_email_thread_messages_conversation', ['conversation_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('email_thread_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_email_thread_messages_conversation')
    op.drop_table('email_thread_messages')
    op.drop_table('email_mailboxes')
