"""A small world for application tests: an agency, an owner and a co-approving department, staff, citizens,
and a service with parallel approval whose form has one field of most types."""

from types import SimpleNamespace

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.models import Role
from tests.catalog.helpers import FORM, GOOD, VALID_ID, create_service
from tests.factories import create_org_unit, create_user

__all__ = ["FORM", "GOOD", "VALID_ID", "create_service", "make_world"]  # the service and form are the catalogue's


async def make_world(session: AsyncSession, parallel: bool = True) -> SimpleNamespace:
    root = await create_org_unit(session, name="测试局")
    owner = await create_org_unit(session, parent=root, name="车辆管理中心")
    other = await create_org_unit(session, parent=root, name="办公室")
    unrelated = await create_org_unit(session, parent=root, name="节能办")
    w = SimpleNamespace(root=root, owner=owner, other=other, unrelated=unrelated)
    w.handler = await create_user(session, owner, [Role.handler])
    w.handler_b = await create_user(session, owner, [Role.handler])
    w.other_handler = await create_user(session, other, [Role.handler])
    w.unrelated_handler = await create_user(session, unrelated, [Role.handler])
    w.leader = await create_user(session, root, [Role.leader])
    w.admin = await create_user(session, root, [Role.admin])
    w.citizen = await create_user(session)
    w.stranger = await create_user(session)
    w.service = await create_service(session, owner, [owner, other] if parallel else [])
    return w


@pytest.fixture
async def world(session: AsyncSession) -> SimpleNamespace:
    w = await make_world(session)
    await session.commit()  # ends the fixture's savepoint, so a failed request cannot roll the world back
    session.expunge_all()  # detached snapshots: a request's rollback must not expire the test's objects
    return w
