"""customer portal: one-time sign-in links and portal sessions

Chained after the newest revision present when it was written (0003_list_indexes), so that
the history keeps one head.

Revision ID: 0006_portal
Revises: 0003_list_indexes
Create Date: 2026-11-22 18:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.core.models

revision = '0006_portal'
down_revision = '0003_list_indexes'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_TIME = frontdesk.core.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('portal_links',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('workspace_id', _ID, nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('created_at', _TIME, nullable=False),
    sa.Column('expires_at', _TIME, nullable=False),
    sa.Column('used_at', _TIME, nullable=True),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_portal_links_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_portal_links_token_hash'))
    )
    with op.batch_alter_table('portal_links', schema=None) as batch_op:
        batch_op.create_index('ix_portal_links_workspace_email_created', ['workspace_id', 'email', 'created_at'], unique=False)

    op.create_table('portal_sessions',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('workspace_id', _ID, nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('created_at', _TIME, nullable=False),
    sa.Column('expires_at', _TIME, nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_portal_sessions_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_portal_sessions_token_hash'))
    )
    with op.batch_alter_table('portal_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_portal_sessions_workspace_email', ['workspace_id', 'email', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('portal_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_sessions_workspace_email')
    op.drop_table('portal_sessions')
    with op.batch_alter_table('portal_links', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_links_workspace_email_created')
    op.drop_table('portal_links')
