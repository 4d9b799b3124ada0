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


class TestAudioAlternative:
    async def test_the_spoken_answer_verifies(self, client, session):
        from api.captcha import service
        from tests.captcha.audio_solver import solve_audio

        body = (await client.get("/api/v1/captcha")).json()
        r = await client.get(f"/api/v1/captcha/{body['captcha_id']}/audio")
        assert r.status_code == 200
        assert r.headers["content-type"] == "audio/wav"
        assert r.headers["cache-control"] == "no-store"
        await service.verify(session, body["captcha_id"], solve_audio(r.content))

    async def test_a_wrong_spoken_answer_fails(self, client, session):
        import pytest

        from api.captcha import service
        from tests.captcha.audio_solver import solve_audio

        body = (await client.get("/api/v1/captcha")).json()
        answer = solve_audio((await client.get(f"/api/v1/captcha/{body['captcha_id']}/audio")).content)
        with pytest.raises(service.CaptchaInvalid):
            await service.verify(session, body["captcha_id"], str(int(answer) + 1))

    async def test_two_plays_of_one_challenge_are_valid_wavs_with_different_samples(self, client):
        import io
        import wave

        from tests.captcha.audio_solver import words

        captcha_id = (await client.get("/api/v1/captcha")).json()["captcha_id"]
        first, second = [(await client.get(f"/api/v1/captcha/{captcha_id}/audio")).content for _ in range(2)]
        for wav in (first, second):
            with wave.open(io.BytesIO(wav)) as w:
                assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getnframes() > w.getframerate()
        assert first != second
        assert words(first) == words(second)

    async def test_neither_the_challenge_json_nor_its_image_source_carries_the_question(self, client, session):
        import base64

        from api.captcha.models import CaptchaChallenge

        r = await client.get("/api/v1/captcha")
        body = r.json()
        row = await session.get(CaptchaChallenge, body["captcha_id"])
        svg = base64.b64decode(body["image"].split(",", 1)[1]).decode()
        assert set(body) == {"captcha_id", "image", "expires_in"}
        for text in (body["captcha_id"], svg):
            assert row.question not in text

    async def test_an_answered_challenge_has_no_audio(self, client, session):
        import pytest

        from api.captcha import service

        captcha_id = (await client.get("/api/v1/captcha")).json()["captcha_id"]
        with pytest.raises(service.CaptchaInvalid):
            await service.verify(session, captcha_id, "-1")
        r = await client.get(f"/api/v1/captcha/{captcha_id}/audio")
        assert r.status_code == 404

    async def test_an_unknown_challenge_answers_404(self, client):
        r = await client.get("/api/v1/captcha/" + "0" * 32 + "/audio")
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("application/problem+json")

    async def test_a_challenge_plays_at_most_five_times(self, client):
        captcha_id = (await client.get("/api/v1/captcha")).json()["captcha_id"]
        for _ in range(5):
            assert (await client.get(f"/api/v1/captcha/{captcha_id}/audio")).status_code == 200
        assert (await client.get(f"/api/v1/captcha/{captcha_id}/audio")).status_code == 404
