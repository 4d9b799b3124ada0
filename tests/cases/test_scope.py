"""units_under: the one scope filter, on org-unit subtrees."""

from sqlalchemy import select

from api.auth.models import OrgUnit, Role, UserKind
from api.auth.principal import Grant, Principal
from api.cases.service import in_units_under, units_under
from api.database import escape_like
from tests.factories import create_org_unit


def principal(*grants: Grant) -> Principal:
    return Principal(id=1, username="u", display_name="用户", kind=UserKind.staff, org_unit_id=None,
                     org_unit_path=None, grants=grants)


async def ids(session, cond) -> set[int]:
    return set((await session.execute(select(OrgUnit.id).where(cond))).scalars())


class TestUnitsUnder:
    async def test_a_grant_covers_its_unit_and_everything_below(self, session):
        root = await create_org_unit(session)
        dept = await create_org_unit(session, parent=root)
        team = await create_org_unit(session, parent=dept)
        sibling = await create_org_unit(session, parent=root)
        p = principal(Grant(Role.handler, dept.id, dept.path))
        assert await ids(session, units_under(p, Role.handler)) == {dept.id, team.id}
        assert sibling.id not in await ids(session, units_under(p, Role.handler))

    async def test_only_the_named_roles_count(self, session):
        dept = await create_org_unit(session)
        p = principal(Grant(Role.editor, dept.id, dept.path))
        assert await ids(session, units_under(p, Role.handler, Role.leader)) == set()

    async def test_several_roles_join_their_subtrees(self, session):
        a, b = await create_org_unit(session), await create_org_unit(session)
        p = principal(Grant(Role.handler, a.id, a.path), Grant(Role.leader, b.id, b.path))
        assert await ids(session, units_under(p, Role.handler, Role.leader)) == {a.id, b.id}

    async def test_wildcards_in_a_path_match_literally(self, session):
        await create_org_unit(session)
        p = principal(Grant(Role.handler, 0, "/%"), Grant(Role.handler, 0, "/_/"))
        assert await ids(session, units_under(p, Role.handler)) == set()

    async def test_unit_id_column_form(self, session):
        dept = await create_org_unit(session)
        other = await create_org_unit(session)
        p = principal(Grant(Role.handler, dept.id, dept.path))
        assert await ids(session, in_units_under(OrgUnit.id, p, Role.handler)) == {dept.id}
        assert other.id not in await ids(session, in_units_under(OrgUnit.id, p, Role.handler))


class TestEscapeLike:
    async def test_percent_underscore_and_backslash_are_literal(self, session):
        unit = await create_org_unit(session, name=r"a%b_c\d")
        await create_org_unit(session, name="axbyc-d")
        from api.database import LIKE_ESCAPE

        for q in ("%b_", r"c\d", "a%b_c"):
            cond = OrgUnit.name.like(f"%{escape_like(q)}%", escape=LIKE_ESCAPE)
            assert await ids(session, cond) == {unit.id}, q
