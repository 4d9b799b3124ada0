"""The demo data `make run` loads (python -m api.cli demo) builds on an empty database, one module per domain."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api import demo
from api.applications.models import Application
from api.auth.models import User
from api.catalog.models import Service
from api.complaints.models import Complaint
from api.disclosures.models import Disclosure
from api.surveys.models import Survey


async def _count(session: AsyncSession, model: type) -> int:
    return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_loads_every_domain_into_an_empty_database(session: AsyncSession) -> None:
    assert await demo.is_empty(session)

    await demo.load(session, "Demo@2026")

    assert not await demo.is_empty(session)
    names = set((await session.execute(select(User.username).where(User.is_demo.is_(True)))).scalars())
    assert names == {u[0] for u in demo.DEMO_USERS}
    for model in (Disclosure, Service, Application, Complaint, Survey):
        assert await _count(session, model) > 0, model.__name__
