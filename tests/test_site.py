"""GET /api/v1/site: the identity a gov.cn site shows, from the deployment's settings."""

import api.site
from api.config import Settings


async def test_identity_from_settings_with_links(client, monkeypatch):
    settings = Settings(site_id_code="3301000001", site_icp_number="浙ICP备12345678号",
                        site_police_number="浙公网安备 33010202000001号",
                        site_party_badge_url="https://bszs.conac.cn/sitename?method=show&id=1")
    monkeypatch.setattr(api.site, "get_settings", lambda: settings)
    r = await client.get("/api/v1/site")
    assert r.status_code == 200
    body = r.json()
    assert body["site_id_code"] == "3301000001"
    assert body["icp_number"] == "浙ICP备12345678号"
    assert body["icp_url"] == "https://beian.miit.gov.cn/"
    assert body["police_url"].endswith("code=33010202000001")
    assert body["party_badge_url"].startswith("https://bszs.conac.cn/")
    assert body["find_error_url"].endswith("websiteid=3301000001")


async def test_defaults_have_no_badge(client):
    body = (await client.get("/api/v1/site")).json()
    assert body["party_badge_url"] is None
    assert body["site_id_code"]
