"""Scale-out proven: two API processes and one worker process on PostgreSQL and Redis; status changes driven
through both API processes; the worker is killed mid-batch and restarted; every message is delivered, each
delivery is marked sent exactly once, and the receiver can tell the few resends (same delivery id, same
Message-ID) of the sends the kill interrupted."""

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, update

from api.auth.models import User
from api.database import get_sessionmaker
from api.notifications.models import Delivery, DeliveryAttempt, DeliveryStatus
from tests.applications.conftest import make_world
from tests.applications.helpers import GOOD
from tests.conftest import DATABASE_URL
from tests.factories import auth, create_user
from tests.notifications.fakes import Inbox, free_port, poll

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CITIZENS = 6
PER_CITIZEN = 4  # applications each; submit + accept notify the applicant: 2 emails per application

pytestmark = pytest.mark.skipif(not DATABASE_URL.startswith("postgresql"), reason="needs PostgreSQL (and Redis)")


class SlowInbox(Inbox):
    """A receiver that takes a moment per message, so the worker is caught mid-batch."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


def env(smtp_port: int) -> dict[str, str]:
    return {**os.environ, "PORTAL_DATABASE_URL": DATABASE_URL, "PORTAL_VAR_DIR": os.environ["PORTAL_VAR_DIR"],
            "PORTAL_REDIS_URL": REDIS_URL, "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(smtp_port),
            "PORTAL_WORKER_IN_PROCESS": "false", "PORTAL_DELIVERY_BACKOFF_SECONDS": "0.5",
            "PORTAL_LOG_LEVEL": "WARNING"}


def spawn(args: list[str], environ: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=environ, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


async def up(url: str) -> bool:
    try:
        async with httpx.AsyncClient() as c:
            return (await c.get(url + "/api/v1/health")).status_code == 200
    except httpx.HTTPError:
        return False


async def wait_up(url: str) -> None:
    for _ in range(300):
        if await up(url):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{url} did not start")


async def sent_count() -> int:
    async with get_sessionmaker()() as session:
        return (await session.execute(select(func.count()).select_from(Delivery)
                                      .where(Delivery.status == DeliveryStatus.sent))).scalar_one()


class TestScaleOut:
    async def test_two_apis_one_worker_killed_mid_batch_nothing_lost_nothing_twice(self, committing_client):
        from aiosmtpd.controller import Controller

        from api import worker
        from api.audit.keys import get_audit_keys
        from api.auth.service import get_keyring

        inbox = SlowInbox()
        smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
        smtp.start()
        async with get_sessionmaker()() as session:
            world = await make_world(session)
            citizens = [await create_user(session, email=f"c{i}@example.cn") for i in range(CITIZENS)]
            await session.execute(update(User).where(User.id.in_([c.id for c in citizens])).values(phone=None))
            await session.commit()
        # start from an empty queue (procrastinate's tables outlive the test database's public schema)
        app = worker.make_app()
        async with app.open_async():
            await worker.ensure_schema(app)
            async with app.connector.pool.connection() as conn:  # type: ignore[attr-defined]
                await conn.execute("DELETE FROM procrastinate_jobs")
        get_keyring()  # the development keys exist before two processes start (else both would make one)
        get_audit_keys()
        environ = env(smtp.port)
        ports = [free_port(), free_port()]
        apis = [spawn(["-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(p)], environ)
                for p in ports]
        procs = list(apis)
        try:
            urls = [f"http://127.0.0.1:{p}" for p in ports]
            for url in urls:
                await wait_up(url)
            async with httpx.AsyncClient(timeout=30) as http:
                for c in citizens:
                    r = await http.put(urls[c.id % 2] + "/api/v1/notifications/preferences", headers=auth(c),
                                       json={"choices": [{"event": "*", "channels": ["email"]}]})
                    assert r.status_code == 200, r.text

                async def one(i: int, c: User) -> None:
                    a, b = urls[i % 2], urls[(i + 1) % 2]  # submitted through one process, accepted through the other
                    r = await http.post(a + "/api/v1/applications", headers=auth(c),
                                        json={"service_code": "TEST", "data": GOOD})
                    assert r.status_code == 201, r.text
                    r = await http.post(f"{b}/api/v1/applications/{r.json()['id']}/accept", headers=auth(world.handler),
                                        json={})
                    assert r.status_code == 200, r.text

                await asyncio.gather(*(one(i, c) for i, c in enumerate(citizens * PER_CITIZEN)))
            expected = CITIZENS * PER_CITIZEN * 2

            first = spawn(["-m", "api.cli", "worker", "--concurrency", "3"], environ)
            procs.append(first)
            await poll(lambda: len(inbox.messages) >= 5, within=60)
            os.killpg(first.pid, signal.SIGKILL)  # mid-batch: no chance to finish or clean up
            first.wait(10)
            assert await sent_count() < expected
            second = spawn(["-m", "api.cli", "worker", "--concurrency", "3"], environ)
            procs.append(second)
            for _ in range(1200):
                if await sent_count() == expected:
                    break
                await asyncio.sleep(0.1)
            assert await sent_count() == expected

            async with get_sessionmaker()() as session:
                ids = set((await session.execute(select(Delivery.id))).scalars())
                sent_attempts = Counter((await session.execute(select(DeliveryAttempt.delivery_id).where(
                    DeliveryAttempt.outcome == DeliveryStatus.sent))).scalars())
            assert len(ids) == expected
            assert set(sent_attempts) == ids and set(sent_attempts.values()) == {1}  # marked sent once each
            received = Counter(m["X-Portal-Delivery"] for m in inbox.messages)
            assert set(received) == {str(i) for i in ids}  # none lost
            resent = {k: n for k, n in received.items() if n > 1}
            assert sum(n - 1 for n in resent.values()) <= 3  # only sends in flight at the kill (concurrency 3)
            for key in resent:  # …and the receiver sees they are the same message
                assert len({m["Message-ID"] for m in inbox.messages if m["X-Portal-Delivery"] == key}) == 1
        finally:
            for p in procs:
                if p.poll() is None:
                    os.killpg(p.pid, signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
            smtp.stop()
