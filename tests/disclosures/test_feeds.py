import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import feedparser
import jsonschema
from sqlalchemy import update

from api import conditional
from api.disclosures.models import DisclosureChange, DisclosureFeedHead
from tests.disclosures.conftest import publish

ATOM = "/api/v1/feeds/disclosures.atom"
JSON = "/api/v1/feeds/disclosures.json"
CHANGES = "/api/v1/disclosures/changes"

# JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): the required members and their types.
JSON_FEED_11 = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string"},
        "home_page_url": {"type": "string", "format": "uri"},
        "feed_url": {"type": "string", "format": "uri"},
        "language": {"type": "string"},
        "authors": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
        "items": {"type": "array", "items": {
            "type": "object",
            "required": ["id"],
            "anyOf": [{"required": ["content_html"]}, {"required": ["content_text"]}],
            "properties": {
                "id": {"type": "string"}, "url": {"type": "string"}, "title": {"type": "string"},
                "content_html": {"type": "string"}, "summary": {"type": "string"},
                "date_published": {"type": "string", "format": "date-time"},
                "date_modified": {"type": "string", "format": "date-time"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "authors": {"type": "array", "items": {"type": "object"}},
            },
        }},
    },
}


class TestAtomFeed:
    async def test_parses_without_errors(self, client, team):
        await publish(client, team, title="关于<测试>的通知 & 公告", body_html="<p>正文 <b>加粗</b></p>")
        r = await client.get(ATOM)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/atom+xml")
        parsed = feedparser.parse(r.content)
        assert parsed.bozo == 0
        assert parsed.entries[0].title == "关于<测试>的通知 & 公告"

    async def test_retracted_item_is_a_tombstone(self, client, team):
        v = await publish(client, team, title="将被撤回")
        await client.post(f"/api/v1/disclosures/{v['disclosure_id']}/retract", json={"reason": "内容有误"},
                          headers=team.h(team.reviewer))
        text = (await client.get(ATOM)).text
        assert f'<at:deleted-entry ref="tag:zhengwu-portal.example,2026:disclosure/{v["disclosure_id"]}"' in text
        parsed = feedparser.parse(text)
        assert parsed.bozo == 0
        assert parsed.entries == []

    async def test_unchanged_feed_answers_304(self, client, team):
        await publish(client, team)
        etag = (await client.get(ATOM)).headers["etag"]
        assert (await client.get(ATOM, headers={"If-None-Match": etag})).status_code == 304
        await publish(client, team, title="新的一条")
        again = await client.get(ATOM, headers={"If-None-Match": etag})
        assert again.status_code == 200
        assert again.headers["etag"] != etag

    async def test_filtered_by_column(self, client, session, team):
        from tests.disclosures.conftest import create_column

        other = await create_column(session, team.unit, "工作动态")
        await publish(client, team, title="通知类")
        await publish(client, team, title="动态类", column_id=other.id)
        parsed = feedparser.parse((await client.get(ATOM, params={"column_id": other.id})).content)
        assert [e.title for e in parsed.entries] == ["动态类"]


class TestJsonFeed:
    async def test_validates_as_json_feed_1_1(self, client, team):
        await publish(client, team, title="JSON 订阅测试", summary="摘要")
        r = await client.get(JSON)
        assert r.headers["content-type"].startswith("application/feed+json")
        feed = json.loads(r.content)
        jsonschema.validate(feed, JSON_FEED_11, format_checker=jsonschema.FormatChecker())
        assert feed["items"][0]["title"] == "JSON 订阅测试"

    async def test_unchanged_feed_answers_304(self, client, team):
        await publish(client, team)
        etag = (await client.get(JSON)).headers["etag"]
        assert (await client.get(JSON, headers={"If-None-Match": f'W/{etag}, "other"'})).status_code == 304


class TestChanges:
    async def test_created_updated_retracted_in_order(self, client, team):
        v = await publish(client, team)
        did = v["disclosure_id"]
        r2 = await client.post(f"/api/v1/disclosures/{did}/versions", headers=team.h(team.editor))
        for user, action in ((team.editor, "submit"), (team.reviewer, "approve"), (team.secrecy, "publish")):
            await client.post(f"/api/v1/disclosure-versions/{r2.json()['id']}/{action}", json={},
                              headers=team.h(user))
        await client.post(f"/api/v1/disclosures/{did}/retract", json={"reason": "撤回"},
                          headers=team.h(team.reviewer))
        body = (await client.get(CHANGES, params={"since": "0"})).json()
        assert [(c["kind"], c["disclosure_id"], c["version_no"]) for c in body["items"]] == [
            ("created", did, 1), ("updated", did, 2), ("retracted", did, 2)]
        assert body["has_more"] is False
        later = await client.get(CHANGES, params={"since": body["next_cursor"]})
        assert later.json()["items"] == []
        assert later.json()["next_cursor"] == body["next_cursor"]

    async def test_pages_with_next_cursor(self, client, team):
        for _ in range(3):
            await publish(client, team)
        first = (await client.get(CHANGES, params={"limit": 2})).json()
        assert first["has_more"] is True
        rest = (await client.get(CHANGES, params={"since": first["next_cursor"], "limit": 2})).json()
        seqs = [c["seq"] for c in first["items"] + rest["items"]]
        assert seqs == sorted(seqs) and len(set(seqs)) == 3

    async def test_unchanged_changes_answer_304(self, client, team):
        await publish(client, team)
        r = await client.get(CHANGES, params={"since": "0"})
        assert (await client.get(CHANGES, params={"since": "0"},
                                 headers={"If-None-Match": r.headers["etag"]})).status_code == 304


async def _stamp_last_change(session, at: datetime) -> None:
    """Move the change log's clock: HTTP dates have one-second resolution, so the tests place changes in
    chosen seconds instead of waiting for the clock."""
    await session.execute(update(DisclosureFeedHead).values(last_at=at))
    await session.execute(update(DisclosureChange).values(at=at))
    await session.flush()


class TestIfModifiedSince:
    async def test_settled_feed_answers_304_to_its_last_modified(self, client, session, team):
        await publish(client, team)
        await _stamp_last_change(session, datetime.now(UTC) - timedelta(minutes=5))
        modified = (await client.get(ATOM)).headers["last-modified"]
        assert (await client.get(ATOM, headers={"If-Modified-Since": modified})).status_code == 304

    async def test_change_in_the_same_second_as_the_clients_date_answers_200(self, client, session, team):
        # A copy made at S+0.4 is dated S (Last-Modified or Date); a change at S+0.7 carries the same second.
        second = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
        await publish(client, team, title="第一条")
        await publish(client, team, title="同一秒内的第二条")
        await _stamp_last_change(session, second + timedelta(milliseconds=700))
        r = await client.get(CHANGES, params={"since": "0"},
                             headers={"If-Modified-Since": format_datetime(second, usegmt=True)})
        assert r.status_code == 200
        assert len(r.json()["items"]) == 2


class TestLastModified:
    def test_is_not_sent_before_the_change_has_certainly_committed(self):
        at = datetime(2026, 12, 1, 2, 0, 0, 200_000, tzinfo=UTC)
        assert "Last-Modified" not in conditional.validators('"x"', at, now=at + timedelta(milliseconds=900))
        later = conditional.validators('"x"', at, now=at + timedelta(seconds=5))
        assert later["Last-Modified"] == "Tue, 01 Dec 2026 02:00:02 GMT"


async def _republish(client, team, disclosure_id: int, **changes) -> None:
    """A new version of a published item with `changes`, through the whole review."""
    v = (await client.post(f"/api/v1/disclosures/{disclosure_id}/versions", headers=team.h(team.editor))).json()
    r = await client.patch(f"/api/v1/disclosure-versions/{v['id']}", json=changes, headers=team.h(team.editor))
    assert r.status_code == 200, r.text
    for user, action, body in ((team.editor, "submit", {}), (team.reviewer, "approve", {}),
                               (team.secrecy, "publish", {"confirm_personal_data": True})):
        r = await client.post(f"/api/v1/disclosure-versions/{v['id']}/{action}", json=body, headers=team.h(user))
        assert r.status_code == 200, r.text


class TestDepartures:
    async def test_item_moved_to_another_column_is_removed_from_the_old_columns_log(self, client, session, team):
        from tests.disclosures.conftest import create_column

        other = await create_column(session, team.unit, "工作动态")
        did = (await publish(client, team, title="将移栏目"))["disclosure_id"]
        await _republish(client, team, did, column_id=other.id)
        old = (await client.get(CHANGES, params={"column_id": team.column.id})).json()["items"]
        new = (await client.get(CHANGES, params={"column_id": other.id})).json()["items"]
        everything = (await client.get(CHANGES)).json()["items"]
        assert [(c["kind"], c["disclosure_id"]) for c in old] == [("created", did), ("removed", did)]
        assert [(c["kind"], c["disclosure_id"]) for c in new] == [("updated", did)]
        assert [c["kind"] for c in everything] == ["created", "updated"]

    async def test_departure_moves_the_filtered_validator(self, client, session, team):
        from tests.disclosures.conftest import create_column

        other = await create_column(session, team.unit, "工作动态")
        did = (await publish(client, team))["disclosure_id"]
        etag = (await client.get(CHANGES, params={"column_id": team.column.id})).headers["etag"]
        await _republish(client, team, did, column_id=other.id)
        r = await client.get(CHANGES, params={"column_id": team.column.id}, headers={"If-None-Match": etag})
        assert r.status_code == 200

    async def test_publisher_change_is_a_departure_for_that_publisher(self, client, session, team):
        from tests.factories import create_org_unit

        elsewhere = await create_org_unit(session, "车辆管理中心", parent=None, code="CL")
        did = (await publish(client, team, publisher_id=team.unit.id))["disclosure_id"]
        await _republish(client, team, did, publisher_id=elsewhere.id)
        items = (await client.get(CHANGES, params={"publisher_id": team.unit.id})).json()["items"]
        assert [c["kind"] for c in items] == ["created", "removed"]

    async def test_topic_change_is_a_departure_for_that_topic(self, client, team):
        did = (await publish(client, team, topic="机关事务"))["disclosure_id"]
        await _republish(client, team, did, topic=None)
        items = (await client.get(CHANGES, params={"topic": "机关事务"})).json()["items"]
        assert [c["kind"] for c in items] == ["created", "removed"]

    async def test_filtered_atom_feed_has_a_tombstone_for_the_moved_item(self, client, session, team):
        from tests.disclosures.conftest import create_column

        other = await create_column(session, team.unit, "工作动态")
        did = (await publish(client, team, title="将移栏目"))["disclosure_id"]
        await _republish(client, team, did, column_id=other.id)
        text = (await client.get(ATOM, params={"column_id": team.column.id})).text
        assert f'<at:deleted-entry ref="tag:zhengwu-portal.example,2026:disclosure/{did}"' in text
        assert feedparser.parse(text).entries == []
        moved = feedparser.parse((await client.get(ATOM, params={"column_id": other.id})).content)
        assert [e.title for e in moved.entries] == ["将移栏目"]

    async def test_filtered_json_feed_lists_the_moved_item_as_deleted(self, client, session, team):
        from tests.disclosures.conftest import create_column

        other = await create_column(session, team.unit, "工作动态")
        did = (await publish(client, team))["disclosure_id"]
        await _republish(client, team, did, column_id=other.id)
        feed = (await client.get(JSON, params={"column_id": team.column.id})).json()
        assert feed["items"] == []
        assert [(d["id"].rsplit("/", 1)[1], d["reason"]) for d in feed["_zhengwu"]["deleted_items"]] == [
            (str(did), "left_filter")]

    async def test_item_moved_back_is_an_entry_again_not_a_tombstone(self, client, session, team):
        from tests.disclosures.conftest import create_column

        other = await create_column(session, team.unit, "工作动态")
        did = (await publish(client, team, title="来回移动"))["disclosure_id"]
        await _republish(client, team, did, column_id=other.id)
        await _republish(client, team, did, column_id=team.column.id)
        text = (await client.get(ATOM, params={"column_id": team.column.id})).text
        assert "deleted-entry" not in text
        assert [e.title for e in feedparser.parse(text).entries] == ["来回移动"]

    async def test_item_that_never_matched_every_field_does_not_depart(self, client, session, team):
        from tests.disclosures.conftest import create_column

        other = await create_column(session, team.unit, "工作动态")
        did = (await publish(client, team))["disclosure_id"]  # no topic
        await _republish(client, team, did, column_id=other.id, topic="机关事务")
        items = (await client.get(CHANGES, params={"column_id": team.column.id, "topic": "机关事务"})).json()
        assert items["items"] == []
