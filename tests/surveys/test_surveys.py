from datetime import UTC, datetime, timedelta

from api.auth.models import Role
from api.database import utcnow
from api.surveys import service
from api.surveys.models import Survey
from tests.captcha.solver import solved
from tests.factories import auth, create_org_unit, create_user

URL = "/api/v1/surveys"


async def people(session):
    agency = await create_org_unit(session, "机关")
    office = await create_org_unit(session, "办公室", agency)
    editor = await create_user(session, office, [Role.editor])
    clerk = await create_user(session, office)
    citizen = await create_user(session)
    other = await create_user(session)
    await session.commit()
    for obj in (agency, office, editor, clerk, citizen, other):
        session.expunge(obj)
    return editor, clerk, citizen, other


def survey_body(audience="public", opens=None, closes=None) -> dict:
    now = utcnow()
    return {
        "title": "机关食堂满意度调查", "audience": audience,
        "opens_at": (opens or now - timedelta(hours=1)).isoformat(),
        "closes_at": (closes or now + timedelta(days=7)).isoformat(),
        "questions": [
            {"kind": "single", "text": "您多久在食堂就餐一次？", "options": ["每天", "每周几次", "很少"]},
            {"kind": "multiple", "text": "希望增加哪些菜品？", "options": ["面食", "粗粮", "水果"]},
            {"kind": "rating", "text": "总体评分"},
            {"kind": "text", "text": "其他建议", "required": False},
        ],
    }


async def published(client, editor, **kw) -> dict:
    r = await client.post(URL, json=survey_body(**kw), headers=auth(editor))
    assert r.status_code == 201, r.text
    r = await client.post(f"{URL}/{r.json()['id']}/publish", headers=auth(editor))
    assert r.status_code == 200
    return r.json()


def answers(s: dict, override: dict | None = None) -> dict:
    q = s["questions"]
    out = {q[0]["id"]: "每天", q[1]["id"]: ["面食", "水果"], q[2]["id"]: 4, q[3]["id"]: "多些汤"}
    return {"answers": {str(k): v for k, v in (out | (override or {})).items()}}


class TestCreateSurvey:
    async def test_editor_drafts_a_survey_the_public_cannot_see_yet(self, client, session):
        editor, _, citizen, _ = await people(session)
        r = await client.post(URL, json=survey_body(), headers=auth(editor))
        assert r.status_code == 201
        assert r.json()["status"] == "draft"
        assert (await client.get(f"{URL}/{r.json()['id']}", headers=auth(citizen))).status_code == 404

    async def test_choice_question_needs_two_options(self, client, session):
        editor, *_ = await people(session)
        body = survey_body()
        body["questions"][0]["options"] = ["唯一"]
        assert (await client.post(URL, json=body, headers=auth(editor))).status_code == 422

    async def test_close_before_open_is_refused(self, client, session):
        editor, *_ = await people(session)
        now = utcnow()
        r = await client.post(URL, json=survey_body(opens=now, closes=now - timedelta(days=1)), headers=auth(editor))
        assert r.status_code == 422

    async def test_staff_without_editor_role_cannot_create(self, client, session):
        _, clerk, *_ = await people(session)
        assert (await client.post(URL, json=survey_body(), headers=auth(clerk))).status_code == 403

    async def test_publishing_twice_is_refused(self, client, session):
        editor, *_ = await people(session)
        s = await published(client, editor)
        assert (await client.post(f"{URL}/{s['id']}/publish", headers=auth(editor))).status_code == 409


class TestRespondToSurvey:
    async def test_one_response_per_user(self, client, session):
        editor, _, citizen, _ = await people(session)
        s = await published(client, editor)
        r = await client.post(f"{URL}/{s['id']}/responses", json=answers(s), headers=auth(citizen))
        assert r.status_code == 204
        r = await client.post(f"{URL}/{s['id']}/responses", json=answers(s), headers=auth(citizen))
        assert r.status_code == 409
        assert r.json()["code"] == "already_responded"

    async def test_anonymous_needs_captcha_and_answers_once_per_ip(self, client, session):
        editor, *_ = await people(session)
        s = await published(client, editor)
        r = await client.post(f"{URL}/{s['id']}/responses", json=answers(s))
        assert r.json()["code"] == "captcha_invalid"
        r = await client.post(f"{URL}/{s['id']}/responses", json=answers(s) | await solved(client))
        assert r.status_code == 204
        r = await client.post(f"{URL}/{s['id']}/responses", json=answers(s) | await solved(client))
        assert r.status_code == 409

    async def test_anonymous_writes_are_rate_limited(self, client, session):
        editor, *_ = await people(session)
        s = await published(client, editor)
        for _ in range(10):
            await client.post(f"{URL}/{s['id']}/responses", json=answers(s))
        r = await client.post(f"{URL}/{s['id']}/responses", json=answers(s))
        assert r.status_code == 429

    async def test_invalid_option_and_missing_required_answer_are_422(self, client, session):
        editor, _, citizen, _ = await people(session)
        s = await published(client, editor)
        q = s["questions"]
        r = await client.post(f"{URL}/{s['id']}/responses", json=answers(s, {q[0]["id"]: "从不"}),
                              headers=auth(citizen))
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == f"answers.{q[0]['id']}"
        body = answers(s)
        del body["answers"][str(q[2]["id"])]
        assert (await client.post(f"{URL}/{s['id']}/responses", json=body, headers=auth(citizen))).status_code == 422
        r = await client.post(f"{URL}/{s['id']}/responses", json=answers(s, {q[2]["id"]: 9}), headers=auth(citizen))
        assert r.status_code == 422

    async def test_every_unanswered_required_question_is_marked_at_once(self, client, session):
        editor, _, citizen, _ = await people(session)
        body = survey_body()
        body["questions"][3]["required"] = True  # each kind required: single, multiple, rating, text
        r = await client.post(URL, json=body, headers=auth(editor))
        s = (await client.post(f"{URL}/{r.json()['id']}/publish", headers=auth(editor))).json()
        r = await client.post(f"{URL}/{s['id']}/responses", json={"answers": {}}, headers=auth(citizen))
        assert r.status_code == 422
        assert [e["field"] for e in r.json()["errors"]] == [f"answers.{q['id']}" for q in s["questions"]]
        assert {e["message"] for e in r.json()["errors"]} == {"此题为必答题"}

    async def test_a_missing_and_an_invalid_answer_are_both_marked(self, client, session):
        editor, _, citizen, _ = await people(session)
        s = await published(client, editor)
        q = s["questions"]
        body = answers(s, {q[0]["id"]: "从不"})
        del body["answers"][str(q[2]["id"])]
        r = await client.post(f"{URL}/{s['id']}/responses", json=body, headers=auth(citizen))
        assert [(e["field"], e["message"]) for e in r.json()["errors"]] == [
            (f"answers.{q[0]['id']}", "请选择一个有效选项"), (f"answers.{q[2]['id']}", "此题为必答题")]

    async def test_closed_survey_refuses_responses(self, client, session):
        editor, _, citizen, _ = await people(session)
        now = utcnow()
        s = await published(client, editor, opens=now - timedelta(days=3), closes=now - timedelta(days=1))
        r = await client.post(f"{URL}/{s['id']}/responses", json=answers(s), headers=auth(citizen))
        assert r.status_code == 409
        assert r.json()["code"] == "not_accepting"

    async def test_staff_survey_is_invisible_to_the_public(self, client, session):
        editor, clerk, citizen, _ = await people(session)
        s = await published(client, editor, audience="staff")
        assert (await client.get(f"{URL}/{s['id']}", headers=auth(citizen))).status_code == 404
        r = await client.post(f"{URL}/{s['id']}/responses", json=answers(s), headers=auth(clerk))
        assert r.status_code == 204


class TestSurveyResults:
    async def test_hidden_until_close_staff_see_only_the_count(self, client, session):
        editor, _, citizen, _ = await people(session)
        s = await published(client, editor)
        await client.post(f"{URL}/{s['id']}/responses", json=answers(s), headers=auth(citizen))
        public = (await client.get(f"{URL}/{s['id']}/results", headers=auth(citizen))).json()
        assert public == {"survey_id": s["id"], "published": False, "response_count": None, "questions": []}
        staff = (await client.get(f"{URL}/{s['id']}/results", headers=auth(editor))).json()
        assert (staff["published"], staff["response_count"], staff["questions"]) == (False, 1, [])

    async def test_published_with_counts_after_close(self, client, session):
        editor, _, citizen, other = await people(session)
        s = await published(client, editor)
        q = s["questions"]
        await client.post(f"{URL}/{s['id']}/responses", json=answers(s), headers=auth(citizen))
        await client.post(f"{URL}/{s['id']}/responses", json=answers(s, {q[0]["id"]: "很少", q[2]["id"]: 2}),
                          headers=auth(other))
        survey = await session.get(Survey, s["id"])
        await session.refresh(survey, ["questions"])
        later = datetime.fromisoformat(s["closes_at"]).astimezone(UTC) + timedelta(seconds=1)
        res = await service.results(session, None, survey, now=later)
        assert res.published is True and res.response_count == 2
        single, multiple, rating, text = res.questions
        assert [(o.option, o.count) for o in single.options] == [("每天", 1), ("每周几次", 0), ("很少", 1)]
        assert [(o.option, o.count) for o in multiple.options] == [("面食", 2), ("粗粮", 0), ("水果", 2)]
        assert rating.rating_average == 3.0
        assert text.texts == ["多些汤", "多些汤"]


class TestUpdateSurvey:
    async def test_editor_rewrites_a_draft_and_its_questions(self, client, session):
        editor, *_ = await people(session)
        s = (await client.post(URL, json=survey_body(), headers=auth(editor))).json()
        body = survey_body() | {"title": "新标题",
                                "questions": [{"kind": "rating", "text": "您的评分"}]}
        r = await client.put(f"{URL}/{s['id']}", json=body, headers=auth(editor))
        assert r.status_code == 200, r.text
        assert r.json()["title"] == "新标题"
        assert [(q["kind"], q["text"]) for q in r.json()["questions"]] == [("rating", "您的评分")]

    async def test_published_survey_cannot_be_rewritten(self, client, session):
        editor, *_ = await people(session)
        s = await published(client, editor)
        r = await client.put(f"{URL}/{s['id']}", json=survey_body(), headers=auth(editor))
        assert r.status_code == 409
        assert r.json()["code"] == "invalid_transition"

    async def test_staff_without_editor_role_is_refused(self, client, session):
        editor, clerk, *_ = await people(session)
        s = (await client.post(URL, json=survey_body(), headers=auth(editor))).json()
        r = await client.put(f"{URL}/{s['id']}", json=survey_body(), headers=auth(clerk))
        assert r.status_code == 404  # a draft is invisible outside the editors of its unit


class TestCloseSurvey:
    async def test_editor_ends_a_running_survey_and_results_are_published(self, client, session):
        editor, _, citizen, _ = await people(session)
        s = await published(client, editor)
        await client.post(f"{URL}/{s['id']}/responses", json=answers(s), headers=auth(citizen))
        r = await client.post(f"{URL}/{s['id']}/close", headers=auth(editor))
        assert r.status_code == 200
        assert (r.json()["closed"], r.json()["accepting"]) == (True, False)
        res = (await client.get(f"{URL}/{s['id']}/results", headers=auth(citizen))).json()
        assert (res["published"], res["response_count"]) == (True, 1)

    async def test_closing_twice_is_a_conflict(self, client, session):
        editor, *_ = await people(session)
        s = await published(client, editor)
        await client.post(f"{URL}/{s['id']}/close", headers=auth(editor))
        r = await client.post(f"{URL}/{s['id']}/close", headers=auth(editor))
        assert r.status_code == 409

    async def test_citizen_cannot_close(self, client, session):
        editor, _, citizen, _ = await people(session)
        s = await published(client, editor)
        r = await client.post(f"{URL}/{s['id']}/close", headers=auth(citizen))
        assert r.status_code == 403


class TestGetSurvey:
    async def test_tells_the_signed_in_respondent_they_have_answered(self, client, session):
        editor, _, citizen, other = await people(session)
        s = await published(client, editor)
        await client.post(f"{URL}/{s['id']}/responses", json=answers(s), headers=auth(citizen))
        assert (await client.get(f"{URL}/{s['id']}", headers=auth(citizen))).json()["responded"] is True
        assert (await client.get(f"{URL}/{s['id']}", headers=auth(other))).json()["responded"] is False
        assert (await client.get(f"{URL}/{s['id']}")).json()["responded"] is False
