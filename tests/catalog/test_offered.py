"""The catalogue cache (catalog.offered): each worker keeps frozen snapshots of the services it was asked for,
never ORM rows, and a snapshot is trusted only while its stamp is still the service's."""

import dataclasses
from collections.abc import Mapping

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from api.audit.service import SYSTEM
from api.catalog import service as catalog
from api.catalog.schemas import ServiceVersionIn
from api.models import Base


def _values(obj: object) -> list[object]:
    """Everything reachable from a snapshot: dataclass fields, mapping values, sequence items."""
    out: list[object] = [obj]
    if dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            out += _values(getattr(obj, f.name))
    elif isinstance(obj, Mapping):
        for v in obj.values():
            out += _values(v)
    elif isinstance(obj, tuple | list):
        for v in obj:
            out += _values(v)
    return out


async def _stamp_now(session, service_id: int):
    return (await session.execute(select(catalog.STAMP), {"service_id": service_id})).scalar_one()


class TestSnapshot:
    async def test_holds_no_orm_object(self, session, world):
        offered = await catalog.offered(session, "TEST", fresh=True)
        reachable = _values(offered)
        assert not [v for v in reachable if isinstance(v, Base)]
        assert offered.service.code == "TEST" and offered.version.version == 1
        assert offered.units[world.owner.id].name == "车辆管理中心"
        assert offered.units[world.owner.id].path == world.owner.path
        assert offered.version.approval_unit_ids == (world.owner.id, world.other.id)

    async def test_cannot_be_changed_by_a_caller(self, session, world):
        offered = await catalog.offered(session, "TEST", fresh=True)
        with pytest.raises(dataclasses.FrozenInstanceError):
            offered.service.owner_unit_id = world.other.id  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError):
            offered.units[world.owner.id].path = "/"  # type: ignore[misc]
        with pytest.raises(TypeError):
            offered.units[0] = offered.units[world.owner.id]  # type: ignore[index]
        with pytest.raises(ValidationError):
            offered.form[0].required = False  # type: ignore[misc]
        assert (await catalog.offered(session, "TEST")).service.owner_unit_id == world.owner.id

    async def test_a_later_request_gets_the_same_snapshot_marked_cached(self, session, world):
        first = await catalog.offered(session, "TEST", fresh=True)
        again = await catalog.offered(session, "TEST")
        assert not first.cached and again.cached
        assert again.service is first.service and again.version is first.version


class TestFreshness:
    async def test_the_stamp_is_the_service_rows_until_it_changes(self, session, world):
        offered = await catalog.offered(session, "TEST", fresh=True)
        assert await _stamp_now(session, offered.service.id) == offered.stamp

        data = ServiceVersionIn(name="测试事项（新版）", promised_days=3, statutory_days=10, guide={},
                                form=[{"name": "only", "label": "唯一字段", "type": "string", "required": True}])
        await catalog.publish_version(session, "TEST", data, SYSTEM)
        await session.flush()

        assert await _stamp_now(session, offered.service.id) != offered.stamp  # the numbering refuses it
        stale = await catalog.offered(session, "TEST")
        assert stale.cached and stale.version.version == 1  # a snapshot: the cache did not follow the row
        current = await catalog.offered(session, "TEST", fresh=True)
        assert current.version.version == 2 and [f.name for f in current.form] == ["only"]
        assert await _stamp_now(session, current.service.id) == current.stamp
