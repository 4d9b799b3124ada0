"""Staff and public text searches match % and _ literally (escape_like), not as wildcards."""

from api.auth.models import Role
from tests.factories import auth, create_org_unit, create_user


class TestLiteralWildcards:
    async def test_user_search_percent_matches_no_one(self, client, session):
        root = await create_org_unit(session)
        admin = await create_user(session, root, [Role.admin])
        await create_user(session, root, display_name="张三")
        r = await client.get("/api/v1/admin/users", params={"q": "%"}, headers=auth(admin))
        assert r.status_code == 200 and r.json()["items"] == []

    async def test_user_search_finds_a_literal_underscore(self, client, session):
        root = await create_org_unit(session)
        admin = await create_user(session, root, [Role.admin])
        await create_user(session, root, username="a_b")
        await create_user(session, root, username="axb")
        r = await client.get("/api/v1/admin/users", params={"q": "a_b"}, headers=auth(admin))
        assert [u["username"] for u in r.json()["items"]] == ["a_b"]

    async def test_service_search_percent_matches_nothing(self, client, world):
        r = await client.get("/api/v1/services", params={"q": "%"})
        assert r.status_code == 200 and r.json()["items"] == []
        assert (await client.get("/api/v1/services", params={"q": "测试"})).json()["items"]
