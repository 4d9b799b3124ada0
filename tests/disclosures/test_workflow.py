import pytest
from sqlalchemy import update

from api.audit import service as audit
from api.auth.models import Role
from api.auth.service import load_user, to_principal
from api.cases.workflow import ConcurrentUpdate
from api.disclosures import service
from api.disclosures.models import DisclosureVersion
from api.disclosures.schemas import DisclosureCreate
from tests.disclosures.conftest import create_column, draft, publish
from tests.factories import auth, create_org_unit, create_user

V = "/api/v1/disclosure-versions"


class TestCreateDisclosure:
    async def test_editor_drafts_with_sanitized_body(self, client, team):
        v = await draft(client, team, body_html='<p onclick="x()">正文<script>alert(1)</script></p>')
        assert v["status"] == "draft"
        assert v["body_html"] == "<p>正文</p>"
        assert v["publisher"]["id"] == team.unit.id
        assert v["allowed_actions"] == ["edit", "submit"]

    async def test_editor_of_another_unit_is_refused(self, client, session, team):
        other = await create_org_unit(session, "财务处", parent=None)
        outsider = await create_user(session, other, [Role.editor])
        team.h(outsider)
        r = await client.post("/api/v1/disclosures", headers=auth(outsider),
                              json={"column_id": team.column.id, "title": "标题"})
        assert r.status_code == 403
        assert r.json()["code"] == "not_in_scope"

    async def test_repealed_without_date_is_422(self, client, team):
        r = await client.post("/api/v1/disclosures", headers=team.h(team.editor),
                              json={"column_id": team.column.id, "title": "标题", "validity": "repealed"})
        assert r.status_code == 422

    async def test_public_user_is_refused(self, client, session, team):
        citizen = await create_user(session)
        team.h(citizen)
        r = await client.post("/api/v1/disclosures", headers=auth(citizen),
                              json={"column_id": team.column.id, "title": "标题"})
        assert r.status_code == 403


class TestReview:
    async def test_full_flow_publishes_with_index_no(self, client, team):
        v = await publish(client, team)
        assert v["status"] == "published"
        assert v["index_no"] == f"BG/{v['published_at'][:4]}-00001"
        r = await client.get(f"/api/v1/disclosures/{v['disclosure_id']}")
        assert r.status_code == 200
        assert r.json()["index_no"] == v["index_no"]

    async def test_author_cannot_approve_own_item(self, client, session, team):
        both = await create_user(session, team.unit, [Role.editor, Role.reviewer])
        team.h(both)
        r = await client.post("/api/v1/disclosures", headers=auth(both),
                              json={"column_id": team.column.id, "title": "自审测试"})
        vid = r.json()["id"]
        assert (await client.post(f"{V}/{vid}/submit", json={}, headers=team.h(both))).status_code == 200
        r = await client.post(f"{V}/{vid}/approve", json={}, headers=team.h(both))
        assert r.status_code == 403
        assert r.json()["code"] == "self_approval"

    async def test_author_cannot_clear_own_item_in_secrecy_review(self, client, session, team):
        both = await create_user(session, team.unit, [Role.editor, Role.secrecy_officer])
        team.h(both)
        r = await client.post("/api/v1/disclosures", headers=auth(both),
                              json={"column_id": team.column.id, "title": "自审测试"})
        vid = r.json()["id"]
        await client.post(f"{V}/{vid}/submit", json={}, headers=team.h(both))
        await client.post(f"{V}/{vid}/approve", json={}, headers=team.h(team.reviewer))
        r = await client.post(f"{V}/{vid}/publish", json={}, headers=team.h(both))
        assert r.status_code == 403
        assert r.json()["code"] == "self_approval"

    async def test_reviewer_of_another_unit_is_refused(self, client, session, team):
        other = await create_org_unit(session, "房产处")
        outsider = await create_user(session, other, [Role.reviewer])
        team.h(outsider)
        vid = (await draft(client, team))["id"]
        await client.post(f"{V}/{vid}/submit", json={}, headers=team.h(team.editor))
        r = await client.post(f"{V}/{vid}/approve", json={}, headers=team.h(outsider))
        assert r.status_code == 404  # the version is not even visible outside the column's unit

    async def test_reviewer_granted_elsewhere_who_can_see_is_refused(self, client, session, team):
        other = await create_org_unit(session, "房产处")
        # An editor of this unit who is reviewer only for another unit: sees the item, may not approve.
        mixed = await create_user(session, team.unit, [Role.editor])
        team.h(mixed)
        from api.auth.models import RoleGrant
        session.add(RoleGrant(user_id=mixed.id, role=Role.reviewer, org_unit_id=other.id))
        await session.flush()
        vid = (await draft(client, team))["id"]
        await client.post(f"{V}/{vid}/submit", json={}, headers=team.h(team.editor))
        r = await client.post(f"{V}/{vid}/approve", json={}, headers=team.h(mixed))
        assert r.status_code == 403
        assert r.json()["code"] == "not_in_scope"

    async def test_two_levels_need_two_reviewers(self, client, session, team):
        team.column.review_levels = 2
        await session.flush()
        second = await create_user(session, team.unit, [Role.reviewer])
        team.h(second)
        vid = (await draft(client, team))["id"]
        await client.post(f"{V}/{vid}/submit", json={}, headers=team.h(team.editor))
        r = await client.post(f"{V}/{vid}/approve", json={}, headers=team.h(team.reviewer))
        assert r.json()["status"] == "in_review"
        r = await client.post(f"{V}/{vid}/approve", json={}, headers=team.h(team.reviewer))
        assert r.status_code == 403
        r = await client.post(f"{V}/{vid}/approve", json={}, headers=team.h(second))
        assert r.json()["status"] == "secrecy_review"

    async def test_send_back_requires_reason_and_returns_draft(self, client, team):
        vid = (await draft(client, team))["id"]
        await client.post(f"{V}/{vid}/submit", json={}, headers=team.h(team.editor))
        r = await client.post(f"{V}/{vid}/send-back", json={}, headers=team.h(team.reviewer))
        assert r.status_code == 422
        r = await client.post(f"{V}/{vid}/send-back", json={"comment": "请补充文号"}, headers=team.h(team.reviewer))
        assert r.json()["status"] == "draft"

    async def test_publishing_a_draft_is_409(self, client, team):
        vid = (await draft(client, team))["id"]
        r = await client.post(f"{V}/{vid}/publish", json={}, headers=team.h(team.secrecy))
        assert r.status_code == 409
        assert r.json()["code"] == "invalid_transition"
        assert r.json()["detail"] == "公开信息版本当前状态为“草稿”，不能“保密审查通过并发布”"

    async def test_every_transition_is_in_history_and_audit(self, client, session, team):
        v = await publish(client, team)
        r = await client.get(f"/api/v1/disclosures/{v['disclosure_id']}/history", headers=team.h(team.editor))
        actions = [(e["action"], e["actor"]["id"]) for e in r.json()]
        assert actions == [("create", team.editor.id), ("submit", team.editor.id),
                           ("approve", team.reviewer.id), ("publish", team.secrecy.id)]
        records = await audit.entries(session, object_type="disclosure_version", object_id=v["id"])
        assert [r.action for r in records] == ["disclosure_version.create", "disclosure_version.submit",
                                               "disclosure_version.approve", "disclosure_version.publish"]
        assert {r.summary["disclosure_id"] for r in records} == {v["disclosure_id"]}


class TestRevision:
    async def test_published_version_stays_online_until_the_new_one_publishes(self, client, team):
        v1 = await publish(client, team, title="原标题")
        did = v1["disclosure_id"]
        r = await client.post(f"/api/v1/disclosures/{did}/versions", headers=team.h(team.editor))
        assert r.status_code == 201
        v2 = r.json()
        assert v2["version_no"] == 2
        await client.patch(f"{V}/{v2['id']}", json={"title": "新标题", "change_note": "更正错字"},
                           headers=team.h(team.editor))
        assert (await client.get(f"/api/v1/disclosures/{did}")).json()["title"] == "原标题"
        for user, action in ((team.editor, "submit"), (team.reviewer, "approve"), (team.secrecy, "publish")):
            assert (await client.post(f"{V}/{v2['id']}/{action}", json={}, headers=team.h(user))).status_code == 200
        public = (await client.get(f"/api/v1/disclosures/{did}")).json()
        assert public["title"] == "新标题"
        assert public["version_no"] == 2
        assert public["index_no"] == v1["index_no"]

    async def test_second_pending_version_is_409(self, client, team):
        did = (await publish(client, team))["disclosure_id"]
        await client.post(f"/api/v1/disclosures/{did}/versions", headers=team.h(team.editor))
        r = await client.post(f"/api/v1/disclosures/{did}/versions", headers=team.h(team.editor))
        assert r.status_code == 409
        assert r.json()["code"] == "pending_version_exists"


class TestRetract:
    async def test_retract_needs_a_reason(self, client, team):
        did = (await publish(client, team))["disclosure_id"]
        r = await client.post(f"/api/v1/disclosures/{did}/retract", json={}, headers=team.h(team.reviewer))
        assert r.status_code == 422

    async def test_retracted_item_is_404_to_public_and_visible_to_staff(self, client, team):
        did = (await publish(client, team))["disclosure_id"]
        r = await client.post(f"/api/v1/disclosures/{did}/retract", json={"reason": "内容有误"},
                              headers=team.h(team.reviewer))
        assert r.status_code == 200
        assert (await client.get(f"/api/v1/disclosures/{did}")).status_code == 404
        staff = await client.get(f"/api/v1/disclosures/{did}", headers=team.h(team.editor))
        assert staff.json()["status"] == "retracted"
        assert staff.json()["retract_reason"] == "内容有误"

    async def test_editor_cannot_retract(self, client, team):
        did = (await publish(client, team))["disclosure_id"]
        r = await client.post(f"/api/v1/disclosures/{did}/retract", json={"reason": "内容有误"},
                              headers=team.h(team.editor))
        assert r.status_code == 403


class TestIndexNo:
    async def test_numbers_are_never_reused_after_retraction(self, client, team):
        first = await publish(client, team)
        await client.post(f"/api/v1/disclosures/{first['disclosure_id']}/retract", json={"reason": "重复发布"},
                          headers=team.h(team.reviewer))
        second = await publish(client, team)
        assert first["index_no"].endswith("-00001")
        assert second["index_no"].endswith("-00002")

    async def test_org_pattern_is_used(self, client, session, team):
        admin_unit = await create_org_unit(session)
        admin = await create_user(session, admin_unit, [Role.admin])
        team.h(admin)
        r = await client.put(f"/api/v1/disclosure-index-schemes/{team.unit.id}", headers=auth(admin),
                             json={"org_code": "11370100MB0000000X", "pattern": "{org_code}-{year}-{seq:04d}"})
        assert r.status_code == 200
        v = await publish(client, team)
        assert v["index_no"] == f"11370100MB0000000X-{v['published_at'][:4]}-0001"

    async def test_pattern_without_seq_is_refused(self, client, session, team):
        admin = await create_user(session, team.unit, [Role.admin])
        team.h(admin)
        r = await client.put(f"/api/v1/disclosure-index-schemes/{team.unit.id}", headers=auth(admin),
                             json={"org_code": "BG", "pattern": "{org_code}/{year}"})
        assert r.status_code == 422
        assert r.json()["code"] == "index_scheme_invalid"

    async def test_lookup_by_index_no(self, client, team):
        v = await publish(client, team)
        r = await client.get("/api/v1/disclosures/by-index-no", params={"index_no": v["index_no"]})
        assert r.status_code == 200
        assert r.json()["id"] == v["disclosure_id"]


class TestQueues:
    async def test_review_queue_lists_submitted_items_of_the_unit(self, client, session, team):
        vid = (await draft(client, team))["id"]
        await client.post(f"{V}/{vid}/submit", json={}, headers=team.h(team.editor))
        r = await client.get(V, params={"queue": "review"}, headers=team.h(team.reviewer))
        assert [i["id"] for i in r.json()["items"]] == [vid]
        other = await create_org_unit(session)
        outsider = await create_user(session, other, [Role.reviewer])
        team.h(outsider)
        await create_column(session, other, "其他")
        r = await client.get(V, params={"queue": "review"}, headers=team.h(outsider))
        assert r.json()["items"] == []


class TestCaseKernel:
    async def test_the_version_workflow_and_the_validity_labels_are_served(self, client):
        body = (await client.get("/api/v1/vocabulary")).json()
        states = {t["value"]: t["label"] for t in body["workflows"]["disclosure_version"]["states"]}
        assert states["secrecy_review"] == "待保密审查"
        assert {"value": "repealed", "label": "废止"} in body["enums"]["disclosure_validity"]
        assert {"value": "retracted", "label": "已撤回"} in body["enums"]["disclosure_status"]

    async def test_a_revision_opens_its_version_under_its_own_action(self, client, team):
        did = (await publish(client, team))["disclosure_id"]
        r = await client.post(f"/api/v1/disclosures/{did}/versions", headers=team.h(team.editor))
        assert r.status_code == 201
        history = (await client.get(f"/api/v1/disclosures/{did}/history", headers=team.h(team.editor))).json()
        assert [(e["action"], e["version_no"], e["from_status"], e["to_status"]) for e in history][-1] == (
            "revise", 2, None, "draft")

    async def test_a_version_changed_since_it_was_read_answers_409(self, session, team):
        editor = to_principal(await load_user(session, team.editor.id))
        v = await service.create_disclosure(session, editor, DisclosureCreate(
            column_id=team.column.id, title="关于车辆管理的通知", body_html="<p>正文</p>"))
        await session.execute(update(DisclosureVersion).where(DisclosureVersion.id == v.id)
                              .values(version=DisclosureVersion.version + 1)
                              .execution_options(synchronize_session=False))
        with pytest.raises(ConcurrentUpdate):
            await service.submit(session, editor, v, None)
