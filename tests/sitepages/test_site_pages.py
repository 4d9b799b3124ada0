"""关于我们 / 联系我们 / 隐私声明: kept by 信息员 and 系统管理员, cleaned, audited, never stale in the
public cache."""

import httpx
from sqlalchemy import select

from api.audit import service as audit
from api.audit.models import AuditRecord
from api.auth.models import Role
from api.sitepages.models import SitePage
from tests.cache.conftest import AdminTeam
from tests.factories import auth, create_org_unit, create_user

BODY = "<p>地址：北京市东城区示例路1号</p><script>alert(1)</script><p onclick=\"x()\">电话：010-12345678</p>"


class TestGetSitePage:
    async def test_an_unsaved_page_shows_its_default_text(self, client):
        r = await client.get("/api/v1/site-pages/privacy")
        assert r.status_code == 200
        body = r.json()
        assert body["title"] == "隐私声明" and "IP 地址" in body["body_html"]
        assert body["updated_at"] is None and body["updated_by_name"] is None

    async def test_an_unknown_page_answers_422(self, client):
        assert (await client.get("/api/v1/site-pages/secrets")).status_code == 422


class TestSaveSitePage:
    async def test_an_editor_saves_a_cleaned_body_and_the_change_is_audited(self, client, session):
        unit = await create_org_unit(session)
        editor = await create_user(session, unit, [Role.editor], display_name="王编辑")
        r = await client.put("/api/v1/site-pages/contact", headers=auth(editor),
                             json={"title": "联系我们", "body_html": BODY})
        assert r.status_code == 200, r.text
        saved = r.json()
        assert "<script" not in saved["body_html"] and "onclick" not in saved["body_html"]
        assert "010-12345678" in saved["body_html"] and saved["updated_by_name"] == "王编辑"
        public = (await client.get("/api/v1/site-pages/contact")).json()
        assert public["body_html"] == saved["body_html"] and public["updated_by_name"] is None
        await audit.link_all(session)
        rec = (await session.execute(select(AuditRecord).where(AuditRecord.action == "site_page.update"))).scalar_one()
        assert rec.object_id == "contact" and rec.actor_id == editor.id

    async def test_an_admin_may_save(self, client, session):
        admin = await create_user(session, await create_org_unit(session), [Role.admin])
        r = await client.put("/api/v1/site-pages/about", headers=auth(admin),
                             json={"title": "关于本站", "body_html": "<p>本站简介</p>"})
        assert r.status_code == 200
        assert (await session.get(SitePage, "about")).title == "关于本站"

    async def test_a_handler_or_citizen_gets_403(self, client, session):
        handler = await create_user(session, await create_org_unit(session), [Role.handler])
        citizen = await create_user(session)
        for user in (handler, citizen):
            r = await client.put("/api/v1/site-pages/about", headers=auth(user),
                                 json={"title": "关于我们", "body_html": "<p>改</p>"})
            assert r.status_code == 403
            assert (await client.get("/api/v1/site-pages/about/edit", headers=auth(user))).status_code == 403

    async def test_a_body_with_no_text_left_after_cleaning_marks_the_field(self, client, session):
        editor = await create_user(session, await create_org_unit(session), [Role.editor])
        r = await client.put("/api/v1/site-pages/about", headers=auth(editor),
                             json={"title": "关于我们", "body_html": "<script>alert(1)</script>"})
        assert r.status_code == 422
        assert [e["field"] for e in r.json()["errors"]] == ["body_html"]

    async def test_the_edit_view_names_who_saved_last(self, client, session):
        editor = await create_user(session, await create_org_unit(session), [Role.editor], display_name="李信息员")
        await client.put("/api/v1/site-pages/privacy", headers=auth(editor),
                         json={"title": "隐私声明", "body_html": "<p>新的声明</p>"})
        r = await client.get("/api/v1/site-pages/privacy/edit", headers=auth(editor))
        assert r.json()["updated_by_name"] == "李信息员" and r.json()["updated_at"]


async def test_a_saved_page_is_never_served_stale_from_the_cache(cached: httpx.AsyncClient, team: AdminTeam):
    url = "/api/v1/site-pages/about"
    await cached.get(url)
    second = await cached.get(url)
    assert second.headers["x-cache"] == "HIT"
    r = await cached.put(url, headers=team.h(team.editor), json={"title": "关于我们", "body_html": "<p>新版简介</p>"})
    assert r.status_code == 200, r.text
    after = await cached.get(url)
    assert after.json()["body_html"] == "<p>新版简介</p>"
