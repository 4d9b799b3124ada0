"""Department performance (网站绩效考核): the admin-set weight of each indicator

Revision ID: op03
Revises: op02
Create Date: 2026-12-03 13:12:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.database

revision: str = 'op03'
down_revision: str | None = 'op02'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('performance_weights',
    sa.Column('indicator', sa.String(length=30), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', api.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_performance_weights_updated_by_id_users')),
    sa.PrimaryKeyConstraint('indicator', name=op.f('pk_performance_weights'))
    )


def downgrade() -> None:
    op.drop_table('performance_weights')
