from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from api.database import Base, utcnow


class CaptchaChallenge(Base):
    """One challenge: the answer kept only as a hash, good for one attempt before it expires."""

    __tablename__ = "captcha_challenges"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    answer_hash: Mapped[str] = mapped_column(String(64))
    # The question, so its audio alternative can be spoken; never sent to the client as text.
    question: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
