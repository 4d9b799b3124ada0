from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.models import OrgUnit, Role, User
from api.disclosures.models import Column
from api.disclosures.states import Freshness
from tests.factories import auth, create_org_unit, create_user


async def create_column(session: AsyncSession, owner: OrgUnit, name: str = "通知公告", slug: str | None = None,
                        review_levels: int = 1, freshness: Freshness = Freshness.notice) -> Column:
    col = Column(name=name, slug=slug or f"c{owner.id}-{name}", owner_unit_id=owner.id, freshness=freshness,
                 review_levels=review_levels)
    session.add(col)
    await session.flush()
    return col


@dataclass
class Team:
    unit: OrgUnit
    column: Column
    editor: User
    reviewer: User
    secrecy: User
    headers: dict[int, dict[str, str]] = field(default_factory=dict)

    def h(self, user: User) -> dict[str, str]:
        """Auth headers, computed once: a failed request rolls back and expires loaded users."""
        if id(user) not in self.headers:
            self.headers[id(user)] = auth(user)
        return self.headers[id(user)]


@pytest.fixture
async def team(session: AsyncSession) -> Team:
    return await make_team(session)


async def make_team(session: AsyncSession) -> Team:
    root = await create_org_unit(session, code="AG")
    unit = await create_org_unit(session, "办公室", parent=root, code="BG")
    column = await create_column(session, unit)
    t = Team(unit, column, await create_user(session, unit, [Role.editor]),
             await create_user(session, unit, [Role.reviewer]),
             await create_user(session, unit, [Role.secrecy_officer]))
    for user in (t.editor, t.reviewer, t.secrecy):
        t.h(user)
    return t


async def draft(client: httpx.AsyncClient, team: Team, **fields: Any) -> dict[str, Any]:
    body = {"column_id": team.column.id, "title": "关于机关食堂延长供应时间的通知",
            "body_html": "<p>自下月起机关食堂晚餐供应时间延长。</p>", **fields}
    r = await client.post("/api/v1/disclosures", json=body, headers=team.h(team.editor))
    assert r.status_code == 201, r.text
    return r.json()


async def publish(client: httpx.AsyncClient, team: Team, **fields: Any) -> dict[str, Any]:
    """Draft, submit, approve and clear one item; returns the published version."""
    v = await draft(client, team, **fields)
    vid = v["id"]
    for user, action, body in ((team.editor, "submit", {}), (team.reviewer, "approve", {}),
                               (team.secrecy, "publish", {"confirm_personal_data": True})):
        r = await client.post(f"/api/v1/disclosure-versions/{vid}/{action}", json=body, headers=team.h(user))
        assert r.status_code == 200, r.text
    return r.json()
