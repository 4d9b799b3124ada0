"""受理编号 sequences made ahead of time (this year and the next ten), never by a request

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 10:35:00+00:00
"""
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

YEARS = 10  # later years: `python -m api.cli tracking-sequences` (run by `migrate` and yearly)


def _years() -> range:
    first = (datetime.now(UTC) + timedelta(hours=8)).year  # the Shanghai calendar year
    return range(first, first + YEARS + 1)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return  # SQLite numbers from its counter table, in the request's transaction
    for year in _years():
        # Continue after the counter a database numbered with before (0004's application_counters).
        last = bind.execute(sa.text("SELECT last FROM application_counters WHERE year = :y"), {"y": year}).scalar()
        op.execute(f"CREATE SEQUENCE IF NOT EXISTS application_tracking_{year} START WITH {int(last or 0) + 1}")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    names = bind.execute(sa.text("SELECT relname FROM pg_class WHERE relkind = 'S' "
                                 "AND relname LIKE 'application\\_tracking\\_%'")).scalars().all()
    for name in names:
        # Keep each year's position in the counter table, so numbers are never handed out twice.
        year = int(name.rsplit("_", 1)[1])
        last, called = bind.execute(sa.text(
            f"SELECT last_value, is_called FROM application_tracking_{year}")).one()  # noqa: S608 - an int
        if called:
            bind.execute(sa.text("DELETE FROM application_counters WHERE year = :y"), {"y": year})
            bind.execute(sa.text("INSERT INTO application_counters (year, last) VALUES (:y, :last)"),
                         {"y": year, "last": last})
        op.execute(f"DROP SEQUENCE IF EXISTS {name}")
