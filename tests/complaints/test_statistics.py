"""办复率 over every letter received in the period that was due, with its definition beside the figure."""

from datetime import UTC, datetime

from api.auth.service import load_user, to_principal
from api.complaints import handling, service, statistics, submission
from api.complaints.schemas import ComplaintCreate
from api.complaints.states import NotAcceptReason
from tests.complaints.helpers import replied, submit_anonymous, world


def at(y, m, d, hour=10):
    """A time on a Shanghai calendar day."""
    return datetime(y, m, d, hour - 8, tzinfo=UTC)


async def principal(session, user):
    return to_principal(await load_user(session, user.id))


async def received(session, w, when):
    c, _, _ = await submission.receive(session, None, ComplaintCreate(
        mailbox_id=w.mailbox.id, subject="路灯不亮", body="大院东门路灯不亮。"), "198.51.100.1", when)
    return c


async def march(session, w, third: str):
    """Three letters received on 2 March (reply limit 16 March): one replied on 5 March, one never accepted,
    and the third accepted and left in handling, or not accepted (不予受理)."""
    triager, leader = await principal(session, w.triager), await principal(session, w.leader)
    answered = await received(session, w, at(2026, 3, 2))
    await handling.accept(session, triager, answered, None)
    await handling.draft_reply(session, triager, await service.load(session, answered.id), "已修复。")
    await handling.review(session, leader, await service.load(session, answered.id), "approve", None,
                         now=at(2026, 3, 5))
    await received(session, w, at(2026, 3, 2))
    other = await received(session, w, at(2026, 3, 2))
    if third == "handling":
        await handling.accept(session, triager, other, None)
    else:
        await handling.not_accept(session, triager, other, NotAcceptReason.spam, "广告")


class TestPublicSummary:
    async def test_letters_never_accepted_count_once_their_limit_has_passed(self, session):
        w = await world(session)
        await march(session, w, "handling")
        summary = await statistics.public_summary(session, now=at(2026, 3, 31))
        assert (summary.received, summary.due, summary.replied) == (3, 3, 1)
        assert summary.reply_rate == 33.3

    async def test_a_letter_not_accepted_is_due_and_not_replied(self, session):
        w = await world(session)
        await march(session, w, "not_accepted")
        summary = await statistics.public_summary(session, now=at(2026, 3, 31))
        assert (summary.due, summary.replied, summary.reply_rate) == (3, 1, 33.3)

    async def test_letters_still_within_their_limit_are_not_yet_due(self, session):
        w = await world(session)
        await march(session, w, "handling")
        summary = await statistics.public_summary(session, now=at(2026, 3, 6))
        assert (summary.received, summary.due, summary.reply_rate) == (3, 1, 100.0)

    async def test_the_definition_is_given_with_the_figure(self, client, session):
        w = await world(session)
        await replied(client, w)
        await submit_anonymous(client, w)
        body = (await client.get("/api/v1/complaints/summary")).json()
        assert (body["received"], body["due"], body["replied"], body["reply_rate"]) == (2, 1, 1, 100.0)
        assert body["definition"].startswith("办复率 = 已答复 ÷ 应答复")


class TestStaffStatistics:
    async def test_reply_rate_is_replied_over_due_per_mailbox(self, session):
        w = await world(session)
        await march(session, w, "not_accepted")
        stats = await statistics.statistics(session, at(2026, 3, 1).date(), at(2026, 3, 31).date(), now=at(2026, 4, 1))
        total = stats.total
        assert (total.received, total.accepted, total.not_accepted, total.due, total.replied) == (3, 1, 1, 3, 1)
        assert total.reply_rate == 33.3
        director = next(m for m in stats.by_mailbox if m.id == w.mailbox.id)
        assert (director.due, director.reply_rate) == (3, 33.3)
        assert stats.definition == statistics.REPLY_RATE_DEFINITION
