"""Complaint reminders through the case kernel: complaint_reminders' rows move to case_reminders (keyed by the
clock's deadline instant, as the kernel keys them), and the table goes

Revision ID: cr01
Revises: sr01
Create Date: 2026-12-03 14:50:00+00:00
"""
from collections.abc import Sequence
from datetime import UTC

import sqlalchemy as sa
from alembic import op

import api.database

revision: str = 'cr01'
down_revision: str | None = 'sr01'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLOCK_TYPES = ("complaint", "complaint_reopened")
old = sa.table("complaint_reminders", sa.column("id", sa.Integer), sa.column("complaint_id", sa.Integer),
               sa.column("kind", sa.String), sa.column("deadline_date", sa.Date),
               sa.column("sent_at", api.database.UTCDateTime(timezone=True)), sa.column("recipients", sa.Integer))
new = sa.table("case_reminders", sa.column("case_type", sa.String), sa.column("case_id", sa.Integer),
               sa.column("kind", sa.String), sa.column("deadline_at", api.database.UTCDateTime(timezone=True)),
               sa.column("recipients", sa.Integer), sa.column("sent_at", api.database.UTCDateTime(timezone=True)))
clocks = sa.table("deadline_clocks", sa.column("case_type", sa.String), sa.column("case_id", sa.Integer),
                  sa.column("deadline_at", api.database.UTCDateTime(timezone=True)))


def upgrade() -> None:
    bind = op.get_bind()
    # A clock's deadline instant is the end of its deadline day in Shanghai, 15:59:59 UTC of that same date. A
    # reminder for a deadline that has since moved is dropped: the kernel would never look for it.
    deadlines = {}
    for case_type, case_id, at in bind.execute(sa.select(clocks.c.case_type, clocks.c.case_id, clocks.c.deadline_at)
                                               .where(clocks.c.case_type.in_(CLOCK_TYPES),
                                                      clocks.c.deadline_at.is_not(None))):
        deadlines[(case_id, at.astimezone(UTC).date())] = (case_type, at)
    rows = []
    for r in bind.execute(sa.select(old)).mappings():
        found = deadlines.get((r["complaint_id"], r["deadline_date"]))
        if found is not None:
            rows.append({"case_type": found[0], "case_id": r["complaint_id"], "kind": r["kind"],
                         "deadline_at": found[1], "recipients": r["recipients"], "sent_at": r["sent_at"]})
    if rows:
        op.bulk_insert(new, rows)
    op.drop_table('complaint_reminders')


def downgrade() -> None:
    op.create_table(
        'complaint_reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('complaint_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('deadline_date', sa.Date(), nullable=False),
        sa.Column('sent_at', api.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('recipients', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'],
                                name=op.f('fk_complaint_reminders_complaint_id_complaints'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_reminders')),
        sa.UniqueConstraint('complaint_id', 'kind', 'deadline_date',
                            name=op.f('uq_complaint_reminders_complaint_id_kind_deadline_date')),
    )
    bind = op.get_bind()
    rows = [{"complaint_id": r["case_id"], "kind": r["kind"], "deadline_date": r["deadline_at"].astimezone(UTC).date(),
             "sent_at": r["sent_at"], "recipients": r["recipients"]}
            for r in bind.execute(sa.select(new).where(new.c.case_type.in_(CLOCK_TYPES))).mappings()]
    if rows:
        op.bulk_insert(old, rows)
    bind.execute(new.delete().where(new.c.case_type.in_(CLOCK_TYPES)))
