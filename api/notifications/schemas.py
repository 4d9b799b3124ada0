from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.notifications.models import Channel, DeliveryStatus


class NotificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    event: str | None
    title: str
    body: str
    link: str | None
    object_type: str | None
    object_id: int | None
    read_at: datetime | None
    created_at: datetime


class UnreadCount(BaseModel):
    unread: int


class EventRead(BaseModel):
    """An event users can choose channels for: "<workflow>.<action>" of every registered case type."""

    event: str
    label: str


class ChannelChoice(BaseModel):
    event: str = Field(min_length=1, max_length=80, description='"<workflow>.<action>", or "*" for every event')
    channels: list[Channel] = Field(max_length=3)


class Preferences(BaseModel):
    """The channels I chose per event (besides the in-app inbox, which always receives everything)."""

    choices: list[ChannelChoice] = Field(max_length=200)


class AttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    attempt: int
    outcome: DeliveryStatus
    error: str | None
    at: datetime


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    notification_id: int
    user_id: int
    channel: Channel
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    sent_at: datetime | None
    created_at: datetime
    log: list[AttemptRead] = Field(default_factory=list, max_length=20)
