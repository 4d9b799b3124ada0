"""Every status change reaches its person by the channels they chose: the inbox row is the outbox entry, the
worker fans it out into one delivery per channel and attempts each with backoff, dead-letter and a log."""

from datetime import timedelta

from sqlalchemy import select, update

from api.auth.models import User
from api.config import get_settings
from api.database import utcnow
from api.notifications import outbox
from api.notifications.models import Delivery, DeliveryAttempt, DeliveryStatus, Notification
from api.wechat.models import SubscribeCredit, SubscribeTemplate, WechatAccount
from tests.applications.helpers import accepted, submitted
from tests.factories import auth

PREFS = "/api/v1/notifications/preferences"


async def choose(client, user, event: str, *channels: str) -> None:
    r = await client.put(PREFS, json={"choices": [{"event": event, "channels": list(channels)}]}, headers=auth(user))
    assert r.status_code == 200, r.text


async def contactable(session, world, *, credits: int = 1) -> None:
    """The citizen has an email, a phone, a bound WeChat, the accept template and `credits` credits."""
    await session.execute(update(User).where(User.id == world.citizen.id)
                          .values(email="citizen@example.cn", phone="13800138000"))
    session.add(WechatAccount(user_id=world.citizen.id, openid="o-citizen"))
    session.add(SubscribeTemplate(event="application.accept", template_id="TPL-ACCEPT",
                                  page="pages/application/detail?id={object_id}",
                                  fields={"thing1": "title", "time2": "created_at", "character_string3": "object_id"}))
    session.add(SubscribeCredit(user_id=world.citizen.id, template_id="TPL-ACCEPT", credits=credits))
    await session.commit()


async def deliveries(session) -> list[Delivery]:
    return list((await session.execute(select(Delivery).execution_options(populate_existing=True)
                                       .order_by(Delivery.id))).scalars())


class TestPreferences:
    async def test_events_come_from_every_registered_case_type(self, client, world):
        r = await client.get("/api/v1/notifications/events")
        events = {e["event"]: e["label"] for e in r.json()}
        assert events["application.accept"] == "申请·受理"
        assert any(e.startswith("complaint.") for e in events)

    async def test_choices_round_trip_and_unknown_events_are_refused(self, client, world):
        h = auth(world.citizen)
        body = {"choices": [{"event": "*", "channels": ["email"]},
                            {"event": "application.accept", "channels": ["sms", "wechat"]}]}
        r = await client.put(PREFS, json=body, headers=h)
        assert r.status_code == 200
        assert (await client.get(PREFS, headers=h)).json() == r.json()
        assert {c["event"] for c in r.json()["choices"]} == {"*", "application.accept"}
        r = await client.put(PREFS, json={"choices": [{"event": "nothing.happened", "channels": ["sms"]}]}, headers=h)
        assert r.status_code == 422


class TestFanOut:
    async def test_a_status_change_makes_one_message_per_chosen_channel(self, client, session, sessions, world,
                                                                        smtp, fake_sms, fake_wechat):
        await contactable(session, world)
        await choose(client, world.citizen, "application.accept", "email", "sms", "wechat")
        app = await accepted(client, world)
        await outbox.drain(sessions)
        await outbox.drain(sessions)  # nothing more: each delivery is attempted once
        rows = await deliveries(session)
        assert sorted(d.channel for d in rows) == ["email", "sms", "wechat"]  # the submission chose none
        assert {d.status for d in rows} == {DeliveryStatus.sent}
        note = await session.get(Notification, rows[0].notification_id)
        assert note is not None and note.event == "application.accept" and note.object_id == app["id"]
        # email: arrived at the SMTP server, once, carrying the delivery id
        assert len(smtp.messages) == 1
        email = smtp.messages[0]
        assert email["To"] == "citizen@example.cn" and "受理" in str(email["Subject"])
        assert email["X-Portal-Delivery"] == str(next(d.id for d in rows if d.channel == "email"))
        # SMS: signed request to the provider with our delivery id as OutId
        assert len(fake_sms.sent) == 1 and fake_sms.sent[0]["PhoneNumbers"] == "13800138000"
        assert fake_sms.sent[0]["OutId"].startswith("delivery-")
        # WeChat: one subscribe message, values within WeChat's limits, one credit used
        assert len(fake_wechat.sent) == 1
        msg = fake_wechat.sent[0]
        assert msg["touser"] == "o-citizen" and msg["template_id"] == "TPL-ACCEPT"
        assert msg["page"] == f"pages/application/detail?id={app['id']}"
        assert len(msg["data"]["thing1"]["value"]) <= 20
        assert "年" in msg["data"]["time2"]["value"]
        credit = (await session.execute(select(SubscribeCredit.credits))).scalar_one()
        assert credit == 0
        # the citizen reads the log
        log = (await client.get("/api/v1/notifications/deliveries", headers=auth(world.citizen))).json()["items"]
        assert len(log) == 3 and all(d["log"][0]["outcome"] == "sent" for d in log)
        theirs = await client.get("/api/v1/notifications/deliveries", headers=auth(world.stranger))
        assert theirs.json()["items"] == []

    async def test_the_inbox_only_when_nothing_is_chosen(self, client, session, sessions, world, smtp):
        await submitted(client, world.citizen)
        await outbox.drain(sessions)
        assert await deliveries(session) == []
        pending = (await session.execute(select(Notification.id).where(Notification.dispatched_at.is_(None)))).all()
        assert pending == []

    async def test_no_address_is_skipped_with_its_reason(self, client, session, sessions, world, smtp):
        await choose(client, world.citizen, "*", "email")
        await submitted(client, world.citizen)
        await outbox.drain(sessions)
        (row,) = await deliveries(session)
        assert row.status == DeliveryStatus.skipped and row.last_error == "用户未填写邮箱"
        assert smtp.messages == []


class TestRetries:
    async def test_43101_is_consumed_and_never_retried(self, client, session, sessions, world, fake_wechat):
        await contactable(session, world, credits=3)
        await choose(client, world.citizen, "application.accept", "wechat")
        fake_wechat.send_errors.append(43101)
        await accepted(client, world)
        await outbox.drain(sessions)
        await outbox.drain(sessions, utcnow() + timedelta(days=1))
        (row,) = await deliveries(session)
        assert row.status == DeliveryStatus.skipped and row.attempts == 1 and "43101" in (row.last_error or "")
        assert fake_wechat.sent == []
        credit = (await session.execute(select(SubscribeCredit.credits)
                                        .execution_options(populate_existing=True))).scalar_one()
        assert credit == 0  # WeChat says none is left

    async def test_busy_is_retried_with_backoff_then_sent(self, client, session, sessions, world, fake_wechat):
        await contactable(session, world)
        await choose(client, world.citizen, "application.accept", "wechat")
        fake_wechat.send_errors.append(-1)
        await accepted(client, world)
        now = utcnow()
        await outbox.drain(sessions, now)
        (row,) = await deliveries(session)
        assert row.status == DeliveryStatus.retrying and row.attempts == 1
        wait = timedelta(seconds=get_settings().delivery_backoff_seconds)
        assert row.next_attempt_at is not None and row.next_attempt_at >= now + wait - timedelta(seconds=1)
        assert await outbox.drain(sessions, now + wait / 2) == 0  # not yet due
        assert await outbox.drain(sessions, now + wait * 2) == 1
        (row,) = await deliveries(session)
        assert row.status == DeliveryStatus.sent and row.attempts == 2
        assert len(fake_wechat.sent) == 1
        outcomes = (await session.execute(select(DeliveryAttempt.outcome).order_by(DeliveryAttempt.attempt))).scalars()
        assert list(outcomes) == ["retrying", "sent"]

    async def test_backoff_doubles(self):
        assert outbox.backoff(3) == 4 * outbox.backoff(1)

    async def test_a_message_that_keeps_failing_lands_in_dead_letter(self, client, session, sessions, world,
                                                                     fake_wechat, monkeypatch):
        monkeypatch.setattr(get_settings(), "delivery_max_attempts", 3)
        await contactable(session, world)
        await choose(client, world.citizen, "application.accept", "wechat")
        fake_wechat.send_errors.extend([-1, -1, -1])
        await accepted(client, world)
        at = utcnow()
        for _ in range(5):
            await outbox.drain(sessions, at)
            at += timedelta(days=1)
        (row,) = await deliveries(session)
        assert row.status == DeliveryStatus.dead and row.attempts == 3
        assert "system error" in (row.last_error or "") and "死信" in (row.last_error or "")
        r = await client.get("/api/v1/notifications/admin/deliveries", params={"status": "dead"},
                             headers=auth(world.admin))
        assert [d["id"] for d in r.json()["items"]] == [row.id]
        assert [a["outcome"] for a in r.json()["items"][0]["log"]] == ["retrying", "retrying", "dead"]
        assert (await client.get("/api/v1/notifications/admin/deliveries", headers=auth(world.citizen))).status_code \
            == 403
        # an admin sends it again once the cause is fixed
        r = await client.post(f"/api/v1/notifications/admin/deliveries/{row.id}/retry", headers=auth(world.admin))
        assert r.json()["status"] == "pending"
        await outbox.drain(sessions, at)
        (row,) = await deliveries(session)
        assert row.status == DeliveryStatus.sent

    async def test_47003_is_a_configuration_error_shown_to_admins(self, client, session, sessions, world,
                                                                 fake_wechat):
        await contactable(session, world)
        await choose(client, world.citizen, "application.accept", "wechat")
        fake_wechat.send_errors.append(47003)
        await accepted(client, world)
        await outbox.drain(sessions)
        (row,) = await deliveries(session)
        assert row.status == DeliveryStatus.dead and row.attempts == 1
        r = await client.get("/api/v1/wechat/templates", headers=auth(world.admin))
        assert "47003" in r.json()[0]["last_error"]

    async def test_smtp_down_is_retried(self, client, session, sessions, world, monkeypatch):
        from tests.notifications.fakes import free_port
        monkeypatch.setattr(get_settings(), "smtp_host", "127.0.0.1")
        monkeypatch.setattr(get_settings(), "smtp_port", free_port())  # nothing listens there
        await session.execute(update(User).where(User.id == world.citizen.id).values(email="c@example.cn"))
        await session.commit()
        await choose(client, world.citizen, "*", "email")
        await submitted(client, world.citizen)
        await outbox.drain(sessions)
        (row,) = await deliveries(session)
        assert row.status == DeliveryStatus.retrying and "SMTP" in (row.last_error or "")


class TestSubscribeCredits:
    async def test_accepted_templates_become_credits(self, client, session, world, fake_wechat):
        session.add(WechatAccount(user_id=world.citizen.id, openid="o-1"))
        await session.commit()
        h = auth(world.citizen)
        body = {"results": {"TPL-A": "accept", "TPL-B": "reject"}}
        assert (await client.post("/api/v1/wechat/subscriptions", json=body, headers=h)).json() == \
            {"credits": {"TPL-A": 1}}
        r = await client.post("/api/v1/wechat/subscriptions", json={"results": {"TPL-A": "accept"}}, headers=h)
        assert r.json() == {"credits": {"TPL-A": 2}}
        r = await client.post("/api/v1/wechat/subscriptions", json=body, headers=auth(world.stranger))
        assert r.status_code == 404  # not bound

    async def test_admins_configure_templates_per_event(self, client, world):
        body = {"template_id": "TPL-1", "page": "pages/x?id={object_id}", "fields": {"thing1": "title"}}
        r = await client.put("/api/v1/wechat/templates/application.accept", json=body, headers=auth(world.admin))
        assert r.status_code == 200 and r.json()["event"] == "application.accept"
        r = await client.put("/api/v1/wechat/templates/no.such", json=body, headers=auth(world.admin))
        assert r.status_code == 422
        r = await client.put("/api/v1/wechat/templates/application.accept", json=body, headers=auth(world.citizen))
        assert r.status_code == 403


class TestFieldLimits:
    def test_values_fit_wechat_limits(self):
        from datetime import UTC, datetime

        from api.wechat.service import field_value
        assert len(field_value("thing1", "很" * 40)) == 20
        assert field_value("character_string2", "受理编号 SX-2026-0001") == "SX-2026-0001"
        assert field_value("time3", datetime(2026, 12, 3, 6, 5, tzinfo=UTC)) == "2026年12月03日 14:05"
        assert field_value("date4", datetime(2026, 12, 3, 18, 0, tzinfo=UTC)) == "2026年12月04日"
        assert len(field_value("phrase5", "已经办结完成了")) <= 5
