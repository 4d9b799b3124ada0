from api.auth.models import Role
from tests.disclosures.conftest import publish
from tests.factories import auth, create_user

S = "/api/v1/search/synonyms"


async def _admin(session, team):
    return auth(await create_user(session, team.unit, [Role.admin]))


class TestSynonymAdmin:
    async def test_list_holds_the_seeded_pairs(self, client, session, team):
        body = (await client.get(S, headers=await _admin(session, team))).json()
        assert {"term": "公车", "synonym": "公务用车"} in [{"term": r["term"], "synonym": r["synonym"]} for r in body]

    async def test_added_synonym_is_used_by_the_next_search_and_audited(self, client, session, team):
        admin = await _admin(session, team)
        await publish(client, team, title="公务交通补贴发放办法")
        assert (await client.get("/api/v1/disclosures", params={"q": "车补"})).json()["items"] == []
        r = await client.post(S, json={"term": "车补", "synonym": "公务交通补贴"}, headers=admin)
        assert r.status_code == 201, r.text
        items = (await client.get("/api/v1/disclosures", params={"q": "车补"})).json()["items"]
        assert [i["title"] for i in items] == ["公务交通补贴发放办法"]
        auditor = auth(await create_user(session, team.unit, [Role.auditor]))
        log = (await client.get("/api/v1/audit", params={"action": "search_synonym.create"}, headers=auditor)).json()
        assert [(e["action"], e["object_id"]) for e in log["items"]] == [("search_synonym.create", str(r.json()["id"]))]

    async def test_deleted_synonym_no_longer_applies(self, client, session, team):
        admin = await _admin(session, team)
        await publish(client, team, title="公务用车使用管理办法")
        seeded = next(r for r in (await client.get(S, headers=admin)).json()
                      if (r["term"], r["synonym"]) == ("公车", "公务用车"))
        assert (await client.delete(f"{S}/{seeded['id']}", headers=admin)).status_code == 204
        assert (await client.get("/api/v1/disclosures", params={"q": "公车"})).json()["items"] == []

    async def test_duplicate_is_409(self, client, session, team):
        r = await client.post(S, json={"term": "公车", "synonym": "公务用车"}, headers=await _admin(session, team))
        assert (r.status_code, r.json()["code"]) == (409, "synonym_exists")

    async def test_wildcards_and_identical_pairs_are_refused(self, client, session, team):
        admin = await _admin(session, team)
        assert (await client.post(S, json={"term": "公%", "synonym": "公务"}, headers=admin)).status_code == 422
        assert (await client.post(S, json={"term": "公车", "synonym": "公车"}, headers=admin)).status_code == 422

    async def test_editor_may_not_manage_synonyms(self, client, team):
        assert (await client.get(S, headers=team.h(team.editor))).status_code == 403
        r = await client.post(S, json={"term": "公车", "synonym": "车辆"}, headers=team.h(team.editor))
        assert r.status_code == 403

    async def test_missing_synonym_is_404(self, client, session, team):
        r = await client.delete(f"{S}/999999", headers=await _admin(session, team))
        assert (r.status_code, r.json()["code"]) == (404, "synonym_not_found")
