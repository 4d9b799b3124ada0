"""Folding one account into another (api.auth.owners): every registered owner column moves, except a record the
other account already has its own of where only one per person may exist (one response per survey)."""

from sqlalchemy import select

from api.auth import owners
from api.surveys.models import SurveyResponse
from tests.factories import auth
from tests.surveys.test_surveys import answers, people, published

URL = "/api/v1/surveys"


class TestMoveOwned:
    async def test_one_response_per_survey_stays_one(self, client, session):
        editor, _, citizen, other = await people(session)
        first, second = await published(client, editor), await published(client, editor)
        for survey, user in ((first, citizen), (second, citizen), (first, other)):
            r = await client.post(f"{URL}/{survey['id']}/responses", json=answers(survey), headers=auth(user))
            assert r.status_code == 204, r.text

        moved = await owners.move_owned(session, citizen.id, other.id)

        assert moved == {"survey_responses.user_id": 1}
        rows = (await session.execute(select(SurveyResponse.survey_id, SurveyResponse.user_id)
                                      .order_by(SurveyResponse.survey_id, SurveyResponse.user_id))).all()
        # The second survey's response is other's now; on the first, each keeps their own.
        assert sorted(tuple(r) for r in rows) == sorted([(first["id"], citizen.id), (first["id"], other.id),
                                                        (second["id"], other.id)])
