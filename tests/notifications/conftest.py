"""Notifications are written by case steps: the applications' small world makes them. The outside services
are local servers (tests/notifications/fakes.py) chosen by their base-URL settings."""

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.config import get_settings
from tests.applications.conftest import world
from tests.notifications.fakes import FakeAliyunSms, FakeWechat, Inbox, ServerThread, smtp_server

__all__ = ["world"]


@pytest.fixture
def fake_wechat(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWechat]:
    fake = FakeWechat()
    with ServerThread(fake.app()) as server:
        s = get_settings()
        monkeypatch.setattr(s, "wechat_appid", fake.appid)
        monkeypatch.setattr(s, "wechat_secret", fake.secret)
        monkeypatch.setattr(s, "wechat_api_base", server.url)
        yield fake


@pytest.fixture
def fake_sms(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAliyunSms]:
    fake = FakeAliyunSms()
    with ServerThread(fake.app()) as server:
        s = get_settings()
        monkeypatch.setattr(s, "sms_api_base", server.url)
        monkeypatch.setattr(s, "sms_access_key_id", fake.key_id)
        monkeypatch.setattr(s, "sms_access_key_secret", fake.secret)
        monkeypatch.setattr(s, "sms_sign_name", "政务门户")
        monkeypatch.setattr(s, "sms_template_code", "SMS_100001")
        yield fake


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    controller, inbox = smtp_server()
    s = get_settings()
    monkeypatch.setattr(s, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(s, "smtp_port", controller.port)
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
async def sessions(session: AsyncSession) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions for the worker's own transactions, on the test's rolled-back connection."""
    await session.commit()
    yield async_sessionmaker(bind=session.bind, expire_on_commit=False, join_transaction_mode="create_savepoint")
