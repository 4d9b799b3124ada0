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


class TestNotMachineReadableFromSource:
    async def test_the_image_holds_no_characters(self, client):
        import base64
        import re

        svg = base64.b64decode((await client.get("/api/v1/captcha")).json()["image"].split(",", 1)[1]).decode()
        assert "<text" not in svg
        # Outside attribute values there is nothing but markup: no digit or operator to copy.
        assert re.sub(r'"[^"]*"', "", svg).replace("<", "").replace(">", "").strip("/ ").isascii()
        assert not re.search(r">[^<]+<", svg)

    def test_every_glyph_reads_back_from_its_strokes(self):
        import base64

        from api.captcha.service import GLYPHS, render_svg
        from tests.captcha.solver import read_text

        for _ in range(20):
            text = "".join(GLYPHS)
            image = "data:image/svg+xml;base64," + base64.b64encode(render_svg(text).encode()).decode()
            assert read_text(image) == text
