from fastapi import APIRouter, Request, Response

from api.auth.dependencies import client_ip
from api.captcha import service
from api.captcha.schemas import CaptchaRead
from api.database import SessionDep, begin_write
from api.errors import NotFound, RateLimited, responses
from api.ratelimit import get_counter

router = APIRouter(tags=["captcha"])

CHALLENGES_PER_MINUTE = 30


@router.get("/captcha", responses=responses(RateLimited))
async def get_captcha(request: Request, response: Response, session: SessionDep) -> CaptchaRead:
    """A new single-use arithmetic challenge drawn as an SVG image."""
    count, ttl = await get_counter().incr(f"captcha:{client_ip(request)}", 60)
    if count > CHALLENGES_PER_MINUTE:
        raise RateLimited(ttl)
    await begin_write(session)
    challenge = await service.create_challenge(session)
    response.headers["Cache-Control"] = "no-store"
    return CaptchaRead(captcha_id=challenge.captcha_id, image=challenge.image, expires_in=challenge.expires_in)


@router.get("/captcha/{captcha_id}/audio", response_class=Response,
            responses={**responses(NotFound, RateLimited),
                       200: {"content": {"audio/wav": {}}, "description": "语音验证码（WAV）"}})
async def get_captcha_audio(captcha_id: str, request: Request, session: SessionDep) -> Response:
    """The challenge's question spoken in Mandarin, with fresh noise on every request (the audio alternative)."""
    count, ttl = await get_counter().incr(f"captcha:audio-ip:{client_ip(request)}", 60)
    if count > CHALLENGES_PER_MINUTE:
        raise RateLimited(ttl)
    audio = await service.challenge_audio(session, captcha_id)
    return Response(audio, media_type="audio/wav", headers={"Cache-Control": "no-store"})
