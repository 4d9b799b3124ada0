from sqlalchemy import update

from api.catalog.models import Service
from tests.applications.helpers import submitted
from tests.catalog.helpers import FORM, GOOD, create_service
from tests.factories import auth


class TestListServices:
    async def test_lists_active_services_with_owner(self, client, world):
        r = await client.get("/api/v1/services")
        assert r.status_code == 200
        item = next(s for s in r.json()["items"] if s["code"] == "TEST")
        assert item["owner_unit"]["name"] == "车辆管理中心"
        assert item["parallel"] is True


class TestGetService:
    async def test_guide_and_form(self, client, world):
        r = await client.get("/api/v1/services/TEST")
        assert r.status_code == 200
        body = r.json()
        assert [f["name"] for f in body["form"]] == [f["name"] for f in FORM]
        assert [u["name"] for u in body["approval_units"]] == ["车辆管理中心", "办公室"]
        assert body["guide"]["legal_basis"] == ["测试依据"]

    async def test_unknown_service_is_404(self, client, world):
        r = await client.get("/api/v1/services/NOPE")
        assert r.status_code == 404
        assert r.json()["code"] == "not_found"


VALID_VERSION = {"name": "测试事项（新版）", "promised_days": 3, "statutory_days": 10, "guide": {},
                 "form": [{"name": "only", "label": "唯一字段", "type": "string", "required": True}]}


class TestCreateService:
    async def test_non_admin_is_forbidden(self, client, world):
        body = {**VALID_VERSION, "code": "NEW", "owner_unit_id": world.owner.id}
        r = await client.post("/api/v1/services", json=body, headers=auth(world.handler))
        assert r.status_code == 403, r.text
        assert (await client.get("/api/v1/services/NEW")).status_code == 404

    async def test_admin_creates_a_service(self, client, world):
        body = {**VALID_VERSION, "code": "NEW", "owner_unit_id": world.owner.id}
        r = await client.post("/api/v1/services", json=body, headers=auth(world.admin))
        assert r.status_code == 201, r.text
        assert r.json()["code"] == "NEW" and r.json()["version"] == 1


class TestPublishVersion:
    async def test_application_keeps_its_version(self, client, world):
        app = await submitted(client, world.citizen)
        new = {"name": "测试事项（新版）", "promised_days": 3, "statutory_days": 10, "guide": {},
               "form": [{"name": "only", "label": "唯一字段", "type": "string", "required": True}]}
        r = await client.put("/api/v1/services/TEST", json=new, headers=auth(world.admin))
        assert r.status_code == 200
        assert r.json()["version"] == 2
        r = await client.get(f"/api/v1/applications/{app['id']}", headers=auth(world.citizen))
        assert r.json()["service_version"] == 1
        assert [f["name"] for f in r.json()["form"]] == [f["name"] for f in FORM]
        r = await client.post("/api/v1/applications", json={"service_code": "TEST", "data": GOOD},
                              headers=auth(world.citizen))
        assert r.status_code == 422
        assert "data.only" in {e["field"] for e in r.json()["errors"]}

    async def test_a_submission_right_after_a_new_version_is_judged_by_it(self, client, session, world):
        """Each worker keeps the services it was asked for (catalog.offered) and checks, in the statement that
        numbers the case, that the service has not changed since: data made for the new form is accepted under
        the new version, and a withdrawn service answers 404 at once."""
        await submitted(client, world.citizen)  # the worker now holds version 1
        new = {"name": "测试事项（新版）", "promised_days": 3, "statutory_days": 10, "guide": {},
               "form": [{"name": "only", "label": "唯一字段", "type": "string", "required": True}]}
        assert (await client.put("/api/v1/services/TEST", json=new, headers=auth(world.admin))).status_code == 200
        r = await client.post("/api/v1/applications", json={"service_code": "TEST", "data": {"only": "新表单"}},
                              headers=auth(world.citizen))
        assert r.status_code == 201, r.text
        assert r.json()["service_version"] == 2 and r.json()["data"] == {"only": "新表单"}
        withdraw = update(Service).where(Service.code == "TEST")  # even by hand, leaving updated_at alone
        await session.execute(withdraw.values(is_active=False, updated_at=Service.updated_at))
        await session.commit()
        r = await client.post("/api/v1/applications", json={"service_code": "TEST", "data": {"only": "再来"}},
                              headers=auth(world.citizen))
        assert r.status_code == 404

    async def test_non_admin_is_forbidden(self, client, world):
        """A valid body, so only the administrator check can refuse it."""
        r = await client.put("/api/v1/services/TEST", json=VALID_VERSION, headers=auth(world.handler))
        assert r.status_code == 403, r.text
        assert r.json()["code"] == "forbidden"
        assert (await client.get("/api/v1/services/TEST")).json()["version"] == 1

    async def test_choice_field_without_options_is_422(self, client, world):
        body = {"code": "BAD", "name": "坏事项", "owner_unit_id": world.owner.id, "promised_days": 1,
                "statutory_days": 2, "guide": {}, "form": [{"name": "x", "label": "X", "type": "single_choice"}]}
        r = await client.post("/api/v1/services", json=body, headers=auth(world.admin))
        assert r.status_code == 422


class TestTemplates:
    async def test_upload_and_download_template(self, client, world):
        from tests.applications.helpers import PDF

        r = await client.post("/api/v1/services/TEST/templates", headers=auth(world.admin),
                              files={"file": ("申请表.pdf", PDF, "application/pdf")})
        assert r.status_code == 201, r.text
        att = r.json()["id"]
        r = await client.get(f"/api/v1/services/TEST/templates/{att}")
        assert r.status_code == 200
        assert r.content == PDF

    async def test_template_of_another_service_is_404(self, client, session, world):
        from tests.applications.helpers import PDF

        await create_service(session, world.owner, code="OTHER")
        att = (await client.post("/api/v1/services/TEST/templates", headers=auth(world.admin),
                                 files={"file": ("a.pdf", PDF, "application/pdf")})).json()["id"]
        assert (await client.get(f"/api/v1/services/OTHER/templates/{att}")).status_code == 404
