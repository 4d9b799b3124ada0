"""受理编号: made from sequences that migrations and the yearly job create, never a request."""

import pytest
from sqlalchemy import text

from api.applications.service import create_tracking_sequences
from api.calendar.workdays import local_date
from api.database import utcnow
from tests.applications.helpers import submit, submitted
from tests.conftest import DATABASE_URL

postgres_only = pytest.mark.skipif(not DATABASE_URL.startswith("postgresql"), reason="sequences are PostgreSQL's")


async def _sequences(session) -> set[str]:
    rows = await session.execute(text("SELECT relname FROM pg_class WHERE relkind = 'S' "
                                      "AND relname LIKE 'application\\_tracking\\_%'"))
    return set(rows.scalars())


class TestTrackingNumbers:
    async def test_numbers_follow_the_year(self, client, world):
        app = await submitted(client, world.citizen)
        assert app["tracking_no"].startswith(f"SQ{local_date(utcnow()).year}-")

    @postgres_only
    async def test_the_migrated_schema_has_this_and_the_next_ten_years(self, session):
        year = local_date(utcnow()).year
        assert {f"application_tracking_{y}" for y in range(year, year + 11)} <= await _sequences(session)

    @postgres_only
    async def test_a_missing_sequence_is_503_not_ddl(self, client, session, world):
        year = local_date(utcnow()).year
        await session.execute(text(f"DROP SEQUENCE application_tracking_{year}"))  # rolled back with the test
        await session.commit()
        r = await submit(client, world.citizen)
        assert r.status_code == 503
        assert r.json()["code"] == "tracking_sequence_missing"
        assert f"application_tracking_{year}" not in await _sequences(session)

    @postgres_only
    async def test_the_job_creates_missing_years_after_the_counter(self, session):
        year = local_date(utcnow()).year
        await session.execute(text(f"DROP SEQUENCE application_tracking_{year + 3}"))
        await session.execute(text("INSERT INTO application_counters (year, last) VALUES (:y, 41)"), {"y": year + 3})
        conn = await session.connection()
        assert await create_tracking_sequences(conn, 10) == [year + 3]
        assert (await session.execute(text(f"SELECT nextval('application_tracking_{year + 3}')"))).scalar() == 42

    async def test_the_job_is_a_no_op_when_nothing_is_missing(self, session):
        assert await create_tracking_sequences(await session.connection(), 10) == []
