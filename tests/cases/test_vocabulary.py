"""GET /vocabulary: every registered workflow and enum with its Chinese labels, cacheable."""

from enum import StrEnum

import pytest

from api.cases.workflow import Workflow, register, register_enum, vocabulary


class Lamp(StrEnum):
    off = "off"
    on = "on"


class Switch(StrEnum):
    install = "install"
    flip = "flip"


LAMP = register(Workflow(
    name="test_lamp", label="灯", states=Lamp, actions=Switch, state_labels={Lamp.off: "灭", Lamp.on: "亮"},
    action_labels={Switch.install: "安装", Switch.flip: "拨动开关"},
    transitions={Switch.flip: {Lamp.off: Lamp.on, Lamp.on: Lamp.off}}, initial=Lamp.off,
    create_action=Switch.install))
register_enum("test_brightness", {1: "暗", 2: "亮"})


class TestVocabulary:
    async def test_a_registered_workflow_is_listed_with_labels(self, client):
        r = await client.get("/api/v1/vocabulary")
        assert r.status_code == 200
        assert r.json()["workflows"]["test_lamp"] == {
            "label": "灯", "states": [{"value": "off", "label": "灭"}, {"value": "on", "label": "亮"}],
            "actions": [{"value": "install", "label": "安装"}, {"value": "flip", "label": "拨动开关"}]}

    async def test_a_registered_enum_is_listed_with_labels(self, client):
        r = await client.get("/api/v1/vocabulary")
        assert r.json()["enums"]["test_brightness"] == [{"value": 1, "label": "暗"}, {"value": 2, "label": "亮"}]

    async def test_public_cache_headers(self, client):
        r = await client.get("/api/v1/vocabulary")
        assert r.headers["cache-control"] == "public, max-age=300"
        assert r.headers["etag"].startswith('"')

    async def test_matching_etag_answers_304(self, client):
        etag = (await client.get("/api/v1/vocabulary")).headers["etag"]
        r = await client.get("/api/v1/vocabulary", headers={"If-None-Match": etag})
        assert r.status_code == 304 and r.content == b""

    async def test_the_body_is_the_registry(self, client):
        assert (await client.get("/api/v1/vocabulary")).json() == vocabulary()


class TestRegistry:
    def test_a_second_workflow_under_a_taken_name_is_refused(self):
        with pytest.raises(ValueError, match="two workflows"):
            register(Workflow(**{**LAMP.__dict__, "label": "另一盏灯"}))

    def test_registering_the_same_workflow_again_is_harmless(self):
        assert register(LAMP) is LAMP


class TestDomainVocabulary:
    async def test_applications_and_rectifications_are_registered(self, client):
        body = (await client.get("/api/v1/vocabulary")).json()
        states = {s["value"]: s["label"] for s in body["workflows"]["application"]["states"]}
        assert states["not_accepted"] == "不予受理" and states["supplement_requested"] == "待补正"
        assert body["workflows"]["rectification"]["label"] == "整改任务"
        assert {"approval_decision", "rating_score", "appeal_status", "deadline_status"} <= set(body["enums"])
