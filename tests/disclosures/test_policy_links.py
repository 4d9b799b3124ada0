"""政策解读: an interpretation names the policy it interprets, and each page shows the other."""

from tests.disclosures.conftest import draft, publish


class TestPolicyInterpretation:
    async def test_each_shows_the_other_once_published(self, client, team):
        policy = await publish(client, team, title="关于加强公务用车管理的规定", genre="行政规范性文件")
        reading = await publish(client, team, title="《关于加强公务用车管理的规定》政策解读", genre="政策解读",
                                interprets_id=policy["disclosure_id"])
        assert reading["interprets_id"] == policy["disclosure_id"]
        shown = (await client.get(f"/api/v1/disclosures/{reading['disclosure_id']}")).json()
        assert shown["interprets"] == {"id": policy["disclosure_id"], "title": "关于加强公务用车管理的规定"}
        back = (await client.get(f"/api/v1/disclosures/{policy['disclosure_id']}")).json()
        assert back["interpretations"] == [{"id": reading["disclosure_id"],
                                            "title": "《关于加强公务用车管理的规定》政策解读"}]

    async def test_an_unpublished_interpretation_is_not_shown_to_the_public(self, client, team):
        policy = await publish(client, team, title="规定")
        await draft(client, team, title="解读草稿", interprets_id=policy["disclosure_id"])
        assert (await client.get(f"/api/v1/disclosures/{policy['disclosure_id']}")).json()["interpretations"] == []

    async def test_an_unknown_policy_is_422(self, client, team):
        r = await client.post("/api/v1/disclosures", headers=team.h(team.editor), json={
            "column_id": team.column.id, "title": "解读", "interprets_id": 999999})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "interprets_id"

    async def test_a_draft_may_link_later(self, client, team):
        policy = await publish(client, team, title="规定")
        v = await draft(client, team, title="解读")
        r = await client.patch(f"/api/v1/disclosure-versions/{v['id']}", headers=team.h(team.editor),
                               json={"interprets_id": policy["disclosure_id"]})
        assert r.status_code == 200 and r.json()["interprets_id"] == policy["disclosure_id"]
        r = await client.patch(f"/api/v1/disclosure-versions/{v['id']}", headers=team.h(team.editor),
                               json={"interprets_id": v["disclosure_id"]})
        assert r.status_code == 422
