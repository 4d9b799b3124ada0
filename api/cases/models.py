from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.database import Base, utcnow


class CaseReminder(Base):
    """One due-soon or overdue reminder sent for one case's deadline (api.cases.reminders). Unique per case,
    kind and deadline: a reminder goes out once per threshold, and again only when the deadline moves (an
    extension, a restart after 补正). Two workers racing for the same reminder: the second one's transaction
    fails on this constraint and sends nothing."""

    __tablename__ = "case_reminders"
    __table_args__ = (UniqueConstraint("case_type", "case_id", "kind", "deadline_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_type: Mapped[str] = mapped_column(String(40))  # the clock's case_type (the workflow's name)
    case_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))  # due_soon / overdue
    deadline_at: Mapped[datetime]
    recipients: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
