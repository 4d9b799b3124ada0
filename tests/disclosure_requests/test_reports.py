import io
from datetime import date

import pytest
from docx import Document
from openpyxl import load_workbook

from api.auth.models import Role
from api.disclosure_requests.models import DisclosureRequest
from api.disclosure_requests.states import ApplicantType, Outcome, Reason, RequestStatus, ReviewKind, ReviewResult
from api.disclosures.models import Column, Disclosure
from api.disclosures.states import DisclosureStatus, Freshness, Validity
from tests.disclosure_requests.helpers import act, application, world
from tests.factories import auth, create_user

YEAR = 2025
T = ApplicantType
_seq = iter(range(1, 10_000))


async def add_request(session, w, kind: ApplicantType, received: date, finished: date | None = None,
                      outcome: Outcome | None = None, reason: Reason | None = None, **kw) -> DisclosureRequest:
    n = next(_seq)
    r = DisclosureRequest(
        tracking_no=f"YSQT{n:06d}", unit_id=w.office.id, applicant_type=kind, applicant_name="申请人",
        identity_no=f"ID{n}", contact_phone="13800138000", info_description="某信息", delivery_form="electronic",
        delivery_route="online", channel="online", received_date=received,
        status=RequestStatus.received if finished is None else RequestStatus.replied,
        finished_date=finished, outcome=outcome, reason=reason, **kw)
    session.add(r)
    await session.flush()
    return r


async def fixtures(session):
    """Hand-counted for 2025 (see the expected tables in the tests)."""
    w = await world(session)
    await add_request(session, w, T.natural_person, date(2024, 12, 20), date(2025, 1, 10), Outcome.disclosed)
    await add_request(session, w, T.business, date(2025, 3, 1), date(2025, 3, 20), Outcome.withheld,
                      Reason.state_secret)
    await add_request(session, w, T.research, date(2025, 5, 1), date(2025, 5, 25), Outcome.other, Reason.no_supplement)
    await add_request(session, w, T.natural_person, date(2025, 12, 20))
    await add_request(session, w, T.legal_service, date(2025, 12, 25), date(2026, 1, 5), Outcome.unavailable,
                      Reason.not_held)
    await add_request(session, w, T.natural_person, date(2024, 6, 1), date(2024, 6, 20), Outcome.disclosed)
    await add_request(session, w, T.natural_person, date(2026, 1, 2))
    await add_request(session, w, T.natural_person, date(2025, 7, 1), date(2025, 7, 10), Outcome.partly_disclosed,
                      review_kind=ReviewKind.reconsideration, review_result=ReviewResult.upheld,
                      review_filed_date=date(2025, 7, 15), review_decided_date=date(2025, 9, 1),
                      fee_amount=1700, fee_paid_date=date(2025, 7, 5))
    column = Column(name="年度报告", slug="annual-reports", owner_unit_id=w.office.id, freshness=Freshness.static)
    session.add(column)
    await session.flush()
    for genre, written, validity, invalid in [("规章", date(2025, 2, 1), Validity.valid, None),
                                              ("规章", date(2020, 2, 1), Validity.repealed, date(2025, 9, 1)),
                                              ("行政规范性文件", date(2025, 4, 1), Validity.valid, None),
                                              ("行政规范性文件", date(2023, 4, 1), Validity.valid, None)]:
        session.add(Disclosure(column_id=column.id, publisher_id=w.office.id, title=genre, genre=genre,
                               written_date=written, validity=validity, invalid_date=invalid,
                               status=DisclosureStatus.published))
    editor = await create_user(session, w.office, [Role.editor], display_name="信息员")
    await session.commit()
    return w, column, editor


def row(n=0, b=0, r=0, p=0, lg=0, o=0) -> dict[str, int]:
    return {"natural_person": n, "business": b, "research": r, "public_welfare": p, "legal_service": lg,
            "other_org": o, "total": n + b + r + p + lg + o}


class TestTables:
    async def test_section_three_equals_the_hand_count(self, client, session):
        w, _, _ = await fixtures(session)
        body = (await client.get(f"/api/v1/annual-reports/{YEAR}", headers=auth(w.handler))).json()
        s3 = body["section3"]
        assert s3["new"] == row(n=2, b=1, r=1, lg=1)
        assert s3["carried_in"] == row(n=1)
        assert s3["disclosed"] == row(n=1)
        assert s3["partly_disclosed"] == row(n=1)
        assert s3["withheld.state_secret"] == row(b=1)
        assert s3["other.no_supplement"] == row(r=1)
        assert s3["unavailable.not_held"] == row()
        assert s3["total"] == row(n=2, b=1, r=1)
        assert s3["carried_out"] == row(n=1, lg=1)
        assert body["problems"] == []
        assert len(s3) == 2 + 2 + 8 + 3 + 5 + 3 + 2  # every reason row of the form is there

    async def test_section_four_two_and_fees(self, client, session):
        w, _, _ = await fixtures(session)
        body = (await client.get(f"/api/v1/annual-reports/{YEAR}", headers=auth(w.leader))).json()
        assert body["section4"]["reconsideration"] == {"upheld": 1, "corrected": 0, "other": 0, "pending": 0,
                                                        "total": 1}
        assert body["section2"] == {"规章": {"issued": 1, "repealed": 1, "in_force": 1},
                                    "行政规范性文件": {"issued": 1, "repealed": 0, "in_force": 2}}
        assert body["fees_collected"] == 1700

    async def test_section_four_counts_each_review_in_the_year_of_its_decision(self, client, session):
        """Hand-counted across the 2024/2025/2026 boundaries: the request's own finish year does not matter."""
        w, _, _ = await fixtures(session)  # one reconsideration filed and upheld in 2025
        rk, ld, la = ReviewKind.reconsideration, ReviewKind.litigation_direct, ReviewKind.litigation_after_review
        # answered in 2024, reconsideration filed in 2024, upheld in 2025
        await add_request(session, w, T.business, date(2024, 10, 8), date(2024, 11, 10), Outcome.withheld,
                          Reason.process_info, review_kind=rk, review_result=ReviewResult.upheld,
                          review_filed_date=date(2024, 12, 1), review_decided_date=date(2025, 2, 10))
        # answered in 2025, suit filed in 2025, decided (corrected) in 2026
        await add_request(session, w, T.natural_person, date(2025, 9, 1), date(2025, 10, 1), Outcome.unavailable,
                          Reason.not_held, review_kind=ld, review_result=ReviewResult.corrected,
                          review_filed_date=date(2025, 11, 1), review_decided_date=date(2026, 1, 15))
        # answered in 2025, suit after review still pending
        await add_request(session, w, T.natural_person, date(2025, 2, 1), date(2025, 3, 1), Outcome.withheld,
                          Reason.third_party, review_kind=la, review_result=ReviewResult.pending,
                          review_filed_date=date(2025, 4, 1))
        # answered in 2025, reconsideration decided (other) in 2025 though filed late in the year
        await add_request(session, w, T.research, date(2025, 11, 3), date(2025, 11, 20), Outcome.disclosed,
                          review_kind=rk, review_result=ReviewResult.other,
                          review_filed_date=date(2025, 12, 1), review_decided_date=date(2025, 12, 31))
        await session.commit()

        def cells(upheld=0, corrected=0, other=0, pending=0):
            return {"upheld": upheld, "corrected": corrected, "other": other, "pending": pending,
                    "total": upheld + corrected + other + pending}

        async def s4(year):
            r = await client.get(f"/api/v1/annual-reports/{year}", headers=auth(w.handler))
            assert r.status_code == 200, r.text
            return r.json()["section4"]

        assert await s4(2024) == {rk: cells(pending=1), ld: cells(), la: cells()}
        assert await s4(2025) == {rk: cells(upheld=2, other=1), ld: cells(pending=1), la: cells(pending=1)}
        assert await s4(2026) == {rk: cells(), ld: cells(corrected=1), la: cells(pending=1)}

    async def test_recording_a_review_keeps_its_dates(self, client, session):
        w = await world(session)
        r = await client.post("/api/v1/disclosure-requests", headers=auth(w.citizen), json=application(w))
        rid = r.json()["id"]
        await act(client, w.handler, rid, "reply", {"outcome": "withheld", "reason": "process_info"})
        today = r.json()["received_date"]
        undated = await act(client, w.handler, rid, "review", {"kind": "reconsideration", "result": "upheld"})
        assert undated.status_code == 422
        early = await act(client, w.handler, rid, "review", {"kind": "reconsideration", "result": "pending",
                                                               "filed_date": "2020-01-01"})
        assert early.status_code == 422 and early.json()["errors"][0]["field"] == "filed_date"
        body = (await act(client, w.handler, rid, "review", {"kind": "reconsideration", "result": "pending"})).json()
        assert (body["review_filed_date"], body["review_decided_date"]) == (today, None)
        body = (await act(client, w.handler, rid, "review", {"kind": "reconsideration", "result": "corrected",
                                                              "decided_date": today})).json()
        assert (body["review_result"], body["review_filed_date"], body["review_decided_date"]) == (
            "corrected", today, today)

    @pytest.mark.parametrize("who", [None, "citizen"])
    async def test_a_draft_is_not_public(self, client, session, who):
        w, _, _ = await fixtures(session)
        headers = auth(getattr(w, who)) if who else {}
        assert (await client.get(f"/api/v1/annual-reports/{YEAR}", headers=headers)).status_code == 404


class TestPublish:
    async def test_broken_check_rule_is_refused_naming_the_cell(self, client, session):
        w, column, editor = await fixtures(session)
        s3 = (await client.get(f"/api/v1/annual-reports/{YEAR}", headers=auth(w.handler))).json()["section3"]
        s3["new"]["natural_person"] += 1
        s3["new"]["total"] += 1
        saved = await client.put(f"/api/v1/annual-reports/{YEAR}", headers=auth(w.handler), json={"section3": s3})
        assert saved.status_code == 200 and saved.json()["section3_adjusted"] is True
        problems = saved.json()["problems"]
        assert [(p["row"], p["column"]) for p in problems] == [("carried_out", "natural_person"),
                                                               ("carried_out", "total")]
        r = await client.post(f"/api/v1/annual-reports/{YEAR}/publish", headers=auth(editor),
                              json={"column_id": column.id})
        assert r.status_code == 409 and r.json()["code"] == "report_check_failed"
        assert "四、结转下年度继续办理" in r.json()["detail"] and "自然人" in r.json()["detail"]

    async def test_a_total_that_is_not_the_sum_of_its_parts_is_named(self, client, session):
        w, _, _ = await fixtures(session)
        s3 = (await client.get(f"/api/v1/annual-reports/{YEAR}", headers=auth(w.handler))).json()["section3"]
        s3["withheld.state_secret"]["total"] = 5
        body = (await client.put(f"/api/v1/annual-reports/{YEAR}", headers=auth(w.handler),
                                 json={"section3": s3})).json()
        assert body["problems"][0]["row"] == "withheld.state_secret" and body["problems"][0]["column"] == "total"
        assert "属于国家秘密" in body["problems"][0]["message"]
        reset = await client.put(f"/api/v1/annual-reports/{YEAR}", headers=auth(w.handler),
                                 json={"reset_tables": True})
        assert reset.json()["problems"] == [] and reset.json()["section3_adjusted"] is False

    async def test_a_table_of_the_wrong_shape_is_422(self, client, session):
        w, _, _ = await fixtures(session)
        r = await client.put(f"/api/v1/annual-reports/{YEAR}", headers=auth(w.handler),
                             json={"section3": {"new": row()}})
        assert r.status_code == 422

    async def test_publishing_puts_the_report_in_the_catalogue(self, client, session):
        w, column, editor = await fixtures(session)
        await client.put(f"/api/v1/annual-reports/{YEAR}", headers=auth(w.handler), json={
            "texts": {"overview": "本年度依法做好政府信息公开工作。", "problems": "无", "other": "无"},
            "entered": {"licensing": 12, "punishment": 3, "enforcement": 0, "charges": 1.5}})
        r = await client.post(f"/api/v1/annual-reports/{YEAR}/publish", headers=auth(editor),
                              json={"column_id": column.id})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["published"] is True and body["disclosure_id"] is not None
        assert body["texts"]["overview"].startswith("本年度") and body["entered"]["licensing"] == 12
        again = await client.post(f"/api/v1/annual-reports/{YEAR}/publish", headers=auth(editor),
                                  json={"column_id": column.id})
        assert again.status_code == 409 and again.json()["code"] == "report_already_published"
        public = await client.get(f"/api/v1/annual-reports/{YEAR}")
        assert public.status_code == 200
        version = (await client.get(f"/api/v1/disclosures/{body['disclosure_id']}", headers=auth(editor)))
        assert version.status_code == 200 and version.json()["title"] == f"{YEAR}年政府信息公开工作年度报告"


class TestExports:
    async def test_docx_in_the_official_order(self, client, session):
        w, _, _ = await fixtures(session)
        r = await client.get(f"/api/v1/annual-reports/{YEAR}/report.docx", headers=auth(w.handler))
        assert r.status_code == 200
        doc = Document(io.BytesIO(r.content))
        headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
        assert headings == ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况",
                            "六、其他需要报告的事项"]
        s2, s3, s4 = doc.tables
        rows2 = [[c.text for c in r.cells] for r in s2.rows]
        assert [r[0] for r in rows2 if r[0].startswith("第二十条")] == [
            "第二十条第（一）项", "第二十条第（五）项", "第二十条第（六）项", "第二十条第（八）项"]
        assert ["规章", "1", "1", "1"] in rows2 and ["行政规范性文件", "1", "0", "2"] in rows2
        assert ["行政强制", "行政强制", "", ""] in rows2  # content over two columns, its (empty) figure over two
        rows3 = [[c.text for c in r.cells] for r in s3.rows]
        assert len(s3.columns) == 10 and len(rows3) == 3 + 2 + (2 + 8 + 3 + 5 + 3) + 2
        assert rows3[0][3:] == ["申请人情况"] * 7 and rows3[1][3] == "自然人"
        assert rows3[1][4:9] == ["法人或其他组织"] * 5 and rows3[2][9] == "总计"
        assert rows3[2][4:9] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
        assert "勾稽关系" in rows3[0][0]
        new = rows3[3]
        assert new[:3] == ["一、本年新收政府信息公开申请数量"] * 3 and new[3:] == ["2", "1", "1", "0", "1", "0", "5"]
        secret = next(r for r in rows3 if r[2] == "1.属于国家秘密")
        assert secret[:2] == ["三、本年度办理结果", "（三）不予公开"] and secret[4] == "1"
        assert any(r[1].startswith("（二）部分公开（区分处理的") for r in rows3)
        assert rows3[-2][1:3] == ["（七）总计"] * 2 and rows3[-1][0].startswith("四、结转下年度")
        rows4 = [[c.text for c in r.cells] for r in s4.rows]
        assert rows4[0][:5] == ["行政复议"] * 5 and rows4[0][5:] == ["行政诉讼"] * 10
        assert rows4[1][5:10] == ["未经复议直接起诉"] * 5 and rows4[1][10:] == ["复议后起诉"] * 5
        assert rows4[2][:5] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
        assert rows4[3] == ["1", "0", "0", "0", "1"] + ["0"] * 10

    async def test_xlsx_has_the_numbers(self, client, session):
        w, _, _ = await fixtures(session)
        r = await client.get(f"/api/v1/annual-reports/{YEAR}/report.xlsx", headers=auth(w.handler))
        assert r.status_code == 200
        sheet = load_workbook(io.BytesIO(r.content))["三 申请办理"]
        rows = {row[0]: row[1:] for row in sheet.iter_rows(min_row=3, values_only=True)}
        assert rows["一、本年新收政府信息公开申请数量"] == (2, 1, 1, 0, 1, 0, 5)
        assert rows["四、结转下年度继续办理"] == (1, 0, 0, 0, 1, 0, 2)
