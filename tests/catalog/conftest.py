"""A catalogue world: an agency with an owner and a co-approving department, an administrator, a handler
(staff but not an administrator), a citizen, and the TEST service with parallel approval."""

from types import SimpleNamespace

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.models import Role
from tests.catalog.helpers import create_service
from tests.factories import create_org_unit, create_user


@pytest.fixture
async def world(session: AsyncSession) -> SimpleNamespace:
    root = await create_org_unit(session, name="测试局")
    owner = await create_org_unit(session, parent=root, name="车辆管理中心")
    other = await create_org_unit(session, parent=root, name="办公室")
    w = SimpleNamespace(root=root, owner=owner, other=other)
    w.admin = await create_user(session, root, [Role.admin])
    w.handler = await create_user(session, owner, [Role.handler])
    w.citizen = await create_user(session)
    w.service = await create_service(session, owner, [owner, other])
    await session.commit()  # ends the fixture's savepoint, so a failed request cannot roll the world back
    session.expunge_all()  # detached: a request's rollback must not expire the test's objects
    return w
