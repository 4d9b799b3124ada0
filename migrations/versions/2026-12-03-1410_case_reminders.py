"""Case reminders: the due-soon and overdue reminders sent for any case type's deadline clock, once per case,
kind and deadline

Revision ID: nt02
Revises: dr05
Create Date: 2026-12-03 14:10:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.database

revision: str = 'nt02'
down_revision: str | None = 'dr05'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'case_reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_type', sa.String(length=40), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('deadline_at', api.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('recipients', sa.Integer(), nullable=False),
        sa.Column('sent_at', api.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_reminders')),
        sa.UniqueConstraint('case_type', 'case_id', 'kind', 'deadline_at',
                            name=op.f('uq_case_reminders_case_type_case_id_kind_deadline_at')),
    )


def downgrade() -> None:
    op.drop_table('case_reminders')
