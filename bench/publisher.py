"""A real publish through the API during a benchmark: three staff accounts (editor, reviewer, secrecy officer) of
the generated catalogue's publishing unit, written straight into the database, tokens signed with the server's
development key ring (same PORTAL_VAR_DIR), then draft → submit → approve → publish over HTTP."""

import asyncio
import os
import time
from pathlib import Path

import httpx

PUBLISHING_UNIT = 2  # bench/generate.py: every column is owned by the first department


def staff_headers(url: str, var_dir: Path) -> dict[str, dict[str, str]]:
    """Create the three accounts; their Authorization headers by role name."""
    os.environ["PORTAL_VAR_DIR"] = str(var_dir)
    os.environ["PORTAL_DATABASE_URL"] = url
    from api.config import get_settings

    get_settings.cache_clear()
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession

    from api.auth.models import Role, RoleGrant, User, UserKind
    from api.auth.service import issue_access_token
    from api.database import make_engine

    async def create() -> dict[str, dict[str, str]]:
        engine = make_engine(url)
        out = {}
        async with AsyncSession(engine, expire_on_commit=False) as s:
            for role in (Role.editor, Role.reviewer, Role.secrecy_officer):
                name = f"bench-{role.value}"
                user = (await s.execute(select(User).where(User.username == name))).scalar_one_or_none()
                if user is None:  # (a reused catalogue has them from its first run)
                    user = User(username=name, display_name=f"压测{role.value}", kind=UserKind.staff,
                                org_unit_id=PUBLISHING_UNIT, password_hash="!")  # noqa: S106 - tokens only
                    s.add(user)
                    await s.flush()
                    s.add(RoleGrant(user_id=user.id, role=role, org_unit_id=PUBLISHING_UNIT))
                out[role.value] = user
            await s.commit()
        await engine.dispose()
        return {name: {"Authorization": f"Bearer {issue_access_token(u)}"} for name, u in out.items()}

    return asyncio.run(create())


def publish(base: str, staff: dict[str, dict[str, str]], column_id: int, title: str) -> float:
    """Publish one item; returns the perf_counter time its publish request was answered."""
    with httpx.Client(base_url=base, timeout=60, trust_env=False) as c:
        r = c.post("/api/v1/disclosures", headers=staff["editor"], json={
            "column_id": column_id, "title": title, "body_html": "<p>压测期间发布的通知。</p>"})
        r.raise_for_status()
        vid = r.json()["id"]
        for who, action, body in (("editor", "submit", {}), ("reviewer", "approve", {}),
                                  ("secrecy_officer", "publish", {"confirm_personal_data": True})):
            r = c.post(f"/api/v1/disclosure-versions/{vid}/{action}", headers=staff[who], json=body)
            r.raise_for_status()
        return time.perf_counter()


def visible_after(base: str, title: str, published: float, within: float = 30.0) -> float:
    """Seconds from `published` until the first list page shows `title` to an anonymous reader."""
    with httpx.Client(base_url=base, timeout=60, trust_env=False) as c:
        while True:
            r = c.get("/api/v1/disclosures?limit=20")
            if r.status_code == 200 and any(i["title"] == title for i in r.json()["items"]):
                return time.perf_counter() - published
            if time.perf_counter() - published > within:
                return float("inf")
