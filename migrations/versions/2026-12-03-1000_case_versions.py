"""complaints, surveys, consultations and disclosure versions are cases: a version column for optimistic
locking, and surveys and consultations an updated_at

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:00:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.database

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CASES = ('complaints', 'surveys', 'consultations', 'disclosure_versions')
NEW_UPDATED_AT = ('surveys', 'consultations')


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch copy: each of these tables is referenced with ON DELETE CASCADE, and
    # SQLite's copy-and-drop would delete the rows that refer to it. ADD COLUMN needs a constant default for
    # the rows already there; updated_at then takes each row's created_at.
    for table in CASES:
        op.add_column(table, sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    for table in NEW_UPDATED_AT:
        op.add_column(table, sa.Column('updated_at', api.database.UTCDateTime(timezone=True), nullable=False,
                                       server_default='2000-01-01 00:00:00'))
        t = sa.table(table, sa.column('updated_at'), sa.column('created_at'))
        op.execute(t.update().values(updated_at=t.c.created_at))


def downgrade() -> None:
    for table in NEW_UPDATED_AT:
        op.drop_column(table, 'updated_at')
    for table in CASES:
        op.drop_column(table, 'version')
