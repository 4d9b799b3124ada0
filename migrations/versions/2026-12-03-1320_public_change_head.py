"""The public change head: one row whose number and time move with every change to public data (the response
cache's key on SQLite and the Last-Modified of the pages it holds)

Revision ID: ca01
Revises: op03
Create Date: 2026-12-03 13:20:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.database

revision: str = 'ca01'
down_revision: str | None = 'op03'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    head = op.create_table(
        'public_change_head',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.Column('at', api.database.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_public_change_head')),
    )
    op.bulk_insert(head, [{'id': 1, 'seq': 0, 'at': None}])  # the first change updates, never races an insert


def downgrade() -> None:
    op.drop_table('public_change_head')
