"""websub: filtered feeds as topics (the subscription's filters, a longer canonical topic key) and denied
requests (the reason sent to the callback)

Revision ID: pa04
Revises: nt03
Create Date: 2026-12-03 14:20:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'pa04'
down_revision: str | None = 'nt03'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('websub_subscriptions', schema=None) as batch_op:
        batch_op.alter_column('topic_key', existing_type=sa.String(length=200), type_=sa.String(length=1000),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('filter_column_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('filter_publisher_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('filter_topic', sa.String(length=50), nullable=True))
    with op.batch_alter_table('websub_jobs', schema=None) as batch_op:
        batch_op.alter_column('topic_key', existing_type=sa.String(length=200), type_=sa.String(length=1000),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('reason', sa.String(length=300), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM websub_jobs WHERE length(topic_key) > 200 OR kind = 'denied'")
    op.execute("DELETE FROM websub_subscriptions WHERE length(topic_key) > 200")
    with op.batch_alter_table('websub_jobs', schema=None) as batch_op:
        batch_op.drop_column('reason')
        batch_op.alter_column('topic_key', existing_type=sa.String(length=1000), type_=sa.String(length=200),
                              existing_nullable=False)
    with op.batch_alter_table('websub_subscriptions', schema=None) as batch_op:
        batch_op.drop_column('filter_topic')
        batch_op.drop_column('filter_publisher_id')
        batch_op.drop_column('filter_column_id')
        batch_op.alter_column('topic_key', existing_type=sa.String(length=1000), type_=sa.String(length=200),
                              existing_nullable=False)
