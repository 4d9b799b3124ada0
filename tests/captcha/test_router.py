from api.captcha.models import CaptchaChallenge
from tests.captcha.solver import solve_image


class TestGetCaptcha:
    async def test_returns_an_svg_challenge_stored_hashed(self, client, session):
        r = await client.get("/api/v1/captcha")
        assert r.status_code == 200
        body = r.json()
        assert body["image"].startswith("data:image/svg+xml;base64,")
        assert r.headers["cache-control"] == "no-store"
        row = await session.get(CaptchaChallenge, body["captcha_id"])
        assert row is not None and row.answer_hash != solve_image(body["image"])

    async def test_too_many_challenges_from_one_ip_answer_429(self, client):
        for _ in range(30):
            assert (await client.get("/api/v1/captcha")).status_code == 200
        r = await client.get("/api/v1/captcha")
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) >= 1
