"""complaints speak the glossary's words: 不予受理 is not_accepted, 办结 is completed

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:00:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (old, new) stored values, the same words applications use.
STATUSES = [("rejected", "not_accepted"), ("closed", "completed")]
ACTIONS = [("reject", "not_accept"), ("auto_close", "auto_complete")]
COLUMNS = [("reject_reason", "not_accept_reason"), ("reject_note", "not_accept_note"),
           ("auto_close_date", "auto_complete_date"), ("closed_at", "completed_at")]


def _rewrite(pairs: list[tuple[str, str]], table: str, columns: list[str]) -> None:
    t = sa.table(table, *[sa.column(c) for c in columns])
    for old, new in pairs:
        for column in columns:
            op.execute(t.update().where(t.c[column] == old).values({column: new}))


def _rename(forward: bool) -> None:
    # In place (SQLite ≥ 3.25 renames columns): a batch copy of `complaints` would drop the table, and with
    # foreign keys on, SQLite's implicit DELETE would cascade to every event, forward and reply.
    old_index, new_index = 'ix_complaints_auto_close_date', 'ix_complaints_auto_complete_date'
    op.drop_index(old_index if forward else new_index, table_name='complaints')
    for old, new in COLUMNS:
        op.execute(f"ALTER TABLE complaints RENAME COLUMN {old if forward else new} TO {new if forward else old}")
    op.create_index(new_index if forward else old_index, 'complaints',
                    ['auto_complete_date' if forward else 'auto_close_date'], unique=False)


def upgrade() -> None:
    _rename(forward=True)
    _rewrite(STATUSES, "complaints", ["status"])
    _rewrite(STATUSES, "complaint_events", ["from_status", "to_status"])
    _rewrite(ACTIONS, "complaint_events", ["action"])


def downgrade() -> None:
    back = [(new, old) for old, new in STATUSES]
    _rewrite(back, "complaints", ["status"])
    _rewrite(back, "complaint_events", ["from_status", "to_status"])
    _rewrite([(new, old) for old, new in ACTIONS], "complaint_events", ["action"])
    _rename(forward=False)
