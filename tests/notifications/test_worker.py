"""The worker: procrastinate on PostgreSQL drains the same outbox the in-process runner drains on SQLite, and
runs the periodic jobs."""

import pytest
from sqlalchemy import select, text, update

from api.auth.models import User
from api.calendar.workdays import local_date
from api.compliance import jobs as compliance_jobs
from api.compliance.models import ComplianceSnapshot
from api.database import get_sessionmaker, utcnow
from api.notifications.models import Delivery, DeliveryStatus
from tests.applications.conftest import make_world
from tests.applications.helpers import accepted
from tests.conftest import DATABASE_URL
from tests.factories import auth
from tests.notifications.fakes import poll

pg_only = pytest.mark.skipif(not DATABASE_URL.startswith("postgresql"), reason="procrastinate needs PostgreSQL")


async def committed_world():
    async with get_sessionmaker()() as session:
        world = await make_world(session)
        await session.execute(update(User).where(User.id == world.citizen.id).values(email="c@example.cn"))
        await session.commit()
    return world


@pg_only
class TestProcrastinate:
    async def test_a_worker_delivers_what_the_api_committed(self, committing_client, smtp):
        from api import worker

        world = await committed_world()
        r = await committing_client.put("/api/v1/notifications/preferences", headers=auth(world.citizen),
                                        json={"choices": [{"event": "application.accept", "channels": ["email"]}]})
        assert r.status_code == 200
        await accepted(committing_client, world)
        app = worker.make_app()
        async with app.open_async():
            await worker.ensure_schema(app)
            async with app.connector.pool.connection() as conn:  # type: ignore[attr-defined]
                await conn.execute("DELETE FROM procrastinate_jobs")
            assert await worker.queue_due() == 1
            assert await worker.queue_due() == 0  # one queued job per delivery (queueing lock)
            await app.run_worker_async(wait=False, install_signal_handlers=False, listen_notify=False)
        await poll(lambda: len(smtp.messages) == 1)
        async with get_sessionmaker()() as session:
            rows = list((await session.execute(select(Delivery))).scalars())
            assert [(r.channel, r.status, r.attempts) for r in rows] == [("email", DeliveryStatus.sent, 1)]
            jobs = (await session.execute(text(
                "SELECT status FROM procrastinate.procrastinate_jobs WHERE task_name = 'portal:deliver'"))).all()
        assert [j.status for j in jobs] == ["succeeded"]


class TestInProcess:
    async def test_the_periodic_due_jobs_run_through_the_worker(self, committing_client):
        from api import worker

        await worker.due_jobs_once()  # complaint reminders and auto-close: idempotent, nothing due here

    async def test_the_in_process_periodic_work_takes_the_radar_snapshot_once_a_day(self, committing_client):
        from api import worker

        await worker.periodic_once()
        async with get_sessionmaker()() as session:
            days = (await session.execute(select(ComplianceSnapshot.day).distinct())).scalars().all()
        assert days == [local_date(utcnow())]
        assert await compliance_jobs.run_once() is False  # today's is taken: the next tick does nothing


class TestPeriodicTasks:
    def test_procrastinate_runs_the_scheduled_work(self):
        from api import worker

        periodic = {task for task, _ in worker.make_app().periodic_registry.periodic_tasks}
        assert {"portal:relay", "portal:due_jobs", "portal:compliance_daily"} <= periodic
