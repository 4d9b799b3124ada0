from api.auth.models import Role
from tests.disclosure_requests.helpers import world
from tests.factories import auth, create_user


class TestGuide:
    async def test_default_guide_states_deadlines_fees_and_remedies(self, client):
        body = (await client.get("/api/v1/disclosure-guide")).json()
        titles = [s["title"] for s in body["sections"]]
        assert titles == ["申请方式", "受理和答复期限", "收费标准", "救济途径"]
        assert body["reply_days"] == 20 and "行政诉讼" in body["remedy"]
        assert "11—30件的每件100元" in body["sections"][2]["body"]

    async def test_editor_maintains_it(self, client, session):
        w = await world(session)
        editor = await create_user(session, w.office, [Role.editor])
        await session.commit()
        sections = [{"title": "受理机构", "body": "政务公开办公室，地址：某路1号，电话 010-12345678"}]
        r = await client.put("/api/v1/disclosure-guide", headers=auth(editor), json={"sections": sections})
        assert r.status_code == 200
        assert (await client.get("/api/v1/disclosure-guide")).json()["sections"] == sections

    async def test_others_may_not(self, client, session):
        w = await world(session)
        r = await client.put("/api/v1/disclosure-guide", headers=auth(w.handler),
                             json={"sections": [{"title": "x", "body": "y"}]})
        assert r.status_code == 403


class TestVocabulary:
    async def test_each_outcome_lists_its_reasons(self, client):
        enums = (await client.get("/api/v1/vocabulary")).json()["enums"]
        assert [t["label"] for t in enums["disclosure_reason_unavailable"]] == [
            "本机关不掌握相关政府信息", "没有现成信息需要另行制作", "补正后申请内容仍不明确"]
        assert len(enums["disclosure_reason_withheld"]) == 8 and len(enums["disclosure_reason_not_processed"]) == 5
