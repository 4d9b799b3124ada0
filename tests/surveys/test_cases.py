"""Surveys and consultations on the case kernel: registered workflows, refusals in Chinese, a history row and
an audit record for every step."""

from sqlalchemy import select

from api.audit import service as audit
from api.surveys.models import SurveyEvent
from tests.factories import auth
from tests.surveys.test_surveys import URL, people, published, survey_body


class TestVocabulary:
    async def test_survey_and_consultation_workflows_and_value_lists_are_served(self, client):
        body = (await client.get("/api/v1/vocabulary")).json()
        assert {"value": "open", "label": "征集中"} in body["workflows"]["consultation"]["states"]
        assert {"value": "cancelled", "label": "已撤回"} in body["workflows"]["survey"]["states"]
        assert {"value": "rating", "label": "评分题"} in body["enums"]["survey_question_kind"]
        assert {"value": "staff", "label": "仅限工作人员"} in body["enums"]["survey_audience"]


class TestSurveySteps:
    async def test_a_cancelled_survey_cannot_be_published_and_the_409_says_why(self, client, session):
        editor, *_ = await people(session)
        s = await published(client, editor)
        assert (await client.post(f"{URL}/{s['id']}/cancel", headers=auth(editor))).status_code == 200
        r = await client.post(f"{URL}/{s['id']}/publish", headers=auth(editor))
        assert r.status_code == 409
        assert r.json()["detail"] == "民意调查当前状态为“已撤回”，不能“发布调查”"

    async def test_every_step_leaves_an_event_and_an_audit_record(self, client, session):
        editor, *_ = await people(session)
        s = await published(client, editor)
        events = (await session.execute(select(SurveyEvent.action, SurveyEvent.from_status, SurveyEvent.to_status)
                                        .where(SurveyEvent.survey_id == s["id"]).order_by(SurveyEvent.id))).all()
        assert [tuple(e) for e in events] == [("create", None, "draft"), ("publish", "draft", "published")]
        audited = [r.action for r in await audit.entries(session, object_type="survey", object_id=s["id"])]
        assert audited == ["survey.create", "survey.publish"]

    async def test_a_published_survey_cannot_be_edited(self, client, session):
        editor, *_ = await people(session)
        s = await published(client, editor)
        r = await client.put(f"{URL}/{s['id']}", json=survey_body(), headers=auth(editor))
        assert r.status_code == 409
        assert r.json()["detail"] == "民意调查当前状态为“已发布”，不能“修改调查”"
