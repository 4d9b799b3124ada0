from api.disclosures.checks import check_text
from api.pii import luhn_valid, resident_id_valid
from tests.disclosures.conftest import draft

V = "/api/v1/disclosure-versions"


class TestCheckText:
    def test_markings_are_found_with_positions(self):
        found = check_text("body", "本件密级：机密★，请勿外传")
        assert [(f.match, f.start) for f in found] == [("机密", 5), ("★", 7)]
        assert all(f.blocking for f in found)

    def test_commercial_secret_is_not_a_marking(self):
        assert check_text("body", "投标文件中涉及商业秘密的内容请予以标注") == []

    def test_configured_marking_is_found(self):
        assert [f.match for f in check_text("title", "工作秘籍（限阅）", ("限阅",))] == ["限阅"]

    def test_resident_id_needs_a_valid_check_digit(self):
        assert resident_id_valid("11010519491231002X")
        assert not resident_id_valid("110105194912310021")
        found = check_text("body", "身份证号 11010519491231002X，另一号码 110105194912310021")
        assert [(f.kind, f.match) for f in found] == [("resident_id", "1101**********002X")]

    def test_mobile_and_bank_card(self):
        assert luhn_valid("6222021001122334454") is False
        card = "4111111111111111"
        found = check_text("body", f"联系电话13912345678，账号{card}，座机 0531-88880000")
        assert [f.kind for f in found] == ["mobile", "bank_card"]
        assert "13912345678" not in found[1].context

    def test_mobile_written_with_prefix_spaces_hyphens_or_full_width_digits(self):
        text = "甲+8613812345678，乙+86 139 1234 5678，丙138 1234 5678，丁138-1234-5678，戊１３８１２３４５６７８"
        found = check_text("body", text)
        assert [(f.kind, text[f.start:f.end]) for f in found] == [
            ("mobile", "+8613812345678"), ("mobile", "+86 139 1234 5678"), ("mobile", "138 1234 5678"),
            ("mobile", "138-1234-5678"), ("mobile", "１３８１２３４５６７８")]
        assert [f.match for f in found] == [
            "+86138*****678", "+86 139 **** *678", "138 **** *678", "138-****-*678", "１３８*****６７８"]

    def test_bank_card_in_a_sentence(self):
        found = check_text("body", "请汇入银行卡6222021234567890128，谢谢")
        assert [(f.kind, f.start, f.end, f.match) for f in found] == [
            ("bank_card", 6, 25, "6222***********0128")]

    def test_numbers_inside_longer_runs_are_ignored(self):
        assert check_text("body", "订单号 A13912345678B 与 1391234567890123456789") == []


class TestSubmitCheck:
    async def test_classification_marking_blocks_submission_with_findings(self, client, team):
        v = await draft(client, team, body_html="<p>本通知为内部★资料</p>")
        r = await client.post(f"{V}/{v['id']}/submit", json={}, headers=team.h(team.editor))
        assert r.status_code == 409
        body = r.json()
        assert body["code"] == "classification_marking"
        assert [(f["field"], f["match"], f["start"]) for f in body["findings"]] == [
            ("body", "内部", 4), ("body", "★", 6)]
        assert body["detail"] == "发现密级标志：正文第 5 字处“内部”；正文第 7 字处“★”"

    async def test_marking_added_after_review_blocks_publication(self, client, session, team):
        v = await draft(client, team)
        vid = v["id"]
        await client.post(f"{V}/{vid}/submit", json={}, headers=team.h(team.editor))
        await client.post(f"{V}/{vid}/approve", json={}, headers=team.h(team.reviewer))
        from api.disclosures.models import DisclosureVersion

        row = await session.get(DisclosureVersion, vid)
        row.body_html = "<p>此件绝密</p>"  # changed behind the workflow's back: the second check catches it
        await session.flush()
        r = await client.post(f"{V}/{vid}/publish", json={}, headers=team.h(team.secrecy))
        assert r.status_code == 409
        assert r.json()["code"] == "classification_marking"
        assert (await client.get(f"/api/v1/disclosures/{v['disclosure_id']}")).status_code == 404

    async def test_personal_data_is_flagged_for_the_secrecy_officer(self, client, team):
        v = await draft(client, team, body_html="<p>联系人：王某，电话 13912345678</p>")
        vid = v["id"]
        r = await client.post(f"{V}/{vid}/submit", json={}, headers=team.h(team.editor))
        assert r.status_code == 200
        assert [(f["kind"], f["match"], f["blocking"]) for f in r.json()["findings"]] == [
            ("mobile", "139*****678", False)]
        await client.post(f"{V}/{vid}/approve", json={}, headers=team.h(team.reviewer))
        queue = await client.get(V, params={"queue": "secrecy"}, headers=team.h(team.secrecy))
        assert [(i["id"], i["finding_count"]) for i in queue.json()["items"]] == [(vid, 1)]
        r = await client.post(f"{V}/{vid}/publish", json={}, headers=team.h(team.secrecy))
        assert r.status_code == 409
        assert r.json()["code"] == "personal_data_unconfirmed"
        r = await client.post(f"{V}/{vid}/publish", json={"confirm_personal_data": True},
                              headers=team.h(team.secrecy))
        assert r.status_code == 200
        assert r.json()["personal_data_confirmed"] is True

    async def test_redacted_draft_passes_without_confirmation(self, client, team):
        v = await draft(client, team, body_html="<p>电话 13912345678</p>")
        vid = v["id"]
        await client.post(f"{V}/{vid}/submit", json={}, headers=team.h(team.editor))
        await client.post(f"{V}/{vid}/approve", json={}, headers=team.h(team.reviewer))
        await client.post(f"{V}/{vid}/send-back", json={"comment": "请删除个人电话"}, headers=team.h(team.secrecy))
        await client.patch(f"{V}/{vid}", json={"body_html": "<p>电话 0531-88880000</p>"}, headers=team.h(team.editor))
        await client.post(f"{V}/{vid}/submit", json={}, headers=team.h(team.editor))
        await client.post(f"{V}/{vid}/approve", json={}, headers=team.h(team.reviewer))
        r = await client.post(f"{V}/{vid}/publish", json={}, headers=team.h(team.secrecy))
        assert r.status_code == 200
        assert r.json()["findings"] == []
