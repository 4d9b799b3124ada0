"""websub: the hub's subscriptions and its outbox of verifications and deliveries

Revision ID: pa02
Revises: pa01
Create Date: 2026-12-03 12:45:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.database

revision: str = 'pa02'
down_revision: str | None = 'pa01'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'websub_subscriptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('topic', sa.String(length=1000), nullable=False),
        sa.Column('topic_key', sa.String(length=200), nullable=False),
        sa.Column('callback', sa.String(length=1000), nullable=False),
        sa.Column('secret', sa.String(length=200), nullable=True),
        sa.Column('lease_seconds', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('expires_at', api.database.UTCDateTime(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('created_at', api.database.UTCDateTime(), nullable=False),
        sa.Column('updated_at', api.database.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_websub_subscriptions')),
        sa.UniqueConstraint('topic_key', 'callback', name=op.f('uq_websub_subscriptions_topic_key_callback')),
    )
    op.create_index(op.f('ix_websub_subscriptions_topic_key'), 'websub_subscriptions', ['topic_key'])
    op.create_table(
        'websub_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('mode', sa.String(length=12), nullable=True),
        sa.Column('topic', sa.String(length=1000), nullable=False),
        sa.Column('topic_key', sa.String(length=200), nullable=False),
        sa.Column('callback', sa.String(length=1000), nullable=False),
        sa.Column('secret', sa.String(length=200), nullable=True),
        sa.Column('lease_seconds', sa.Integer(), nullable=True),
        sa.Column('subscription_id', sa.Integer(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', api.database.UTCDateTime(), nullable=False),
        sa.Column('done_at', api.database.UTCDateTime(), nullable=True),
        sa.Column('outcome', sa.String(length=20), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', api.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['subscription_id'], ['websub_subscriptions.id'], ondelete='CASCADE',
                                name=op.f('fk_websub_jobs_subscription_id_websub_subscriptions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_websub_jobs')),
    )
    op.create_index('ix_websub_jobs_due', 'websub_jobs', ['done_at', 'next_attempt_at'])
    op.create_index(op.f('ix_websub_jobs_subscription_id'), 'websub_jobs', ['subscription_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_websub_jobs_subscription_id'), table_name='websub_jobs')
    op.drop_index('ix_websub_jobs_due', table_name='websub_jobs')
    op.drop_table('websub_jobs')
    op.drop_index(op.f('ix_websub_subscriptions_topic_key'), table_name='websub_subscriptions')
    op.drop_table('websub_subscriptions')
