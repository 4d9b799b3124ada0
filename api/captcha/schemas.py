from pydantic import BaseModel


class CaptchaRead(BaseModel):
    captcha_id: str
    image: str  # data:image/svg+xml;base64,...
    expires_in: int
