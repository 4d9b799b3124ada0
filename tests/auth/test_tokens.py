"""Access tokens: every forged, expired or malformed token is a 401 problem; refresh tokens rotate."""

import ast
import base64
import hashlib
import hmac
import json
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from jose import jwt as jose_jwt
from sqlalchemy import update

from api.auth.models import User
from api.auth.service import get_keyring, issue_access_token
from api.auth.tokens import InvalidToken, KeyRing, generate_private_pem
from api.config import ROOT, get_settings
from tests.factories import PASSWORD, auth, create_org_unit, create_user

ME = "/api/v1/auth/me"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(obj: dict) -> str:
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def claims_for(user_id: int, **changes: object) -> dict:
    s = get_settings()
    now = int(time.time())
    claims = {"sub": str(user_id), "iss": s.jwt_issuer, "aud": s.jwt_audience, "iat": now, "nbf": now - 5,
              "exp": now + 300, "jti": "t", "ver": 0, "name": "x", "kind": "staff"}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def signed(claims: dict) -> str:
    """A token signed with the portal's real active key, so only the claims can be at fault."""
    return get_keyring().encode(claims)


def ring_of(tmp_path: Path, active: bytes, previous: list[bytes] = ()) -> KeyRing:
    files = []
    for i, pem in enumerate([active, *previous]):
        (tmp_path / f"k{i}.pem").write_bytes(pem)
        files.append(tmp_path / f"k{i}.pem")
    return KeyRing.from_files(files[0], files[1:])


def bearer(token: str) -> dict[str, bytes]:
    return {"Authorization": f"Bearer {token}".encode()}


async def assert_unauthorized(client, token: str) -> None:
    r = await client.get(ME, headers=bearer(token))
    assert r.status_code == 401, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "unauthorized"


async def login(client, username: str, password: str = PASSWORD):
    return await client.post("/api/v1/auth/token", data={"username": username, "password": password})


@pytest.fixture
async def user(session):
    """Detached after creation, so requests load it from the database as in production."""
    created = await create_user(session, await create_org_unit(session))
    session.expunge_all()
    return created


class TestMe:
    async def test_valid_token_returns_the_user(self, client, user):
        r = await client.get(ME, headers=auth(user))
        assert r.status_code == 200
        assert r.json()["username"] == user.username

    async def test_no_token_is_401(self, client):
        r = await client.get(ME)
        assert r.status_code == 401
        assert r.json()["code"] == "unauthorized"

    async def test_alg_none_token_is_401(self, client, user):
        header = {"alg": "none", "typ": "JWT", "kid": get_keyring().active.kid}
        await assert_unauthorized(client, f"{segment(header)}.{segment(claims_for(user.id))}.")

    async def test_hs256_signed_with_public_key_pem_is_401(self, client, user):
        key = get_keyring().active
        signing_input = f"{segment({'alg': 'HS256', 'typ': 'JWT', 'kid': key.kid})}.{segment(claims_for(user.id))}"
        sig = hmac.new(key.public_pem, signing_input.encode(), hashlib.sha256).digest()
        await assert_unauthorized(client, f"{signing_input}.{b64url(sig)}")

    async def test_expired_token_is_401(self, client, user):
        now = int(time.time())
        await assert_unauthorized(client, signed(claims_for(user.id, iat=now - 1000, nbf=now - 1000, exp=now - 60)))

    async def test_wrong_audience_is_401(self, client, user):
        await assert_unauthorized(client, signed(claims_for(user.id, aud="another-api")))

    async def test_wrong_issuer_is_401(self, client, user):
        await assert_unauthorized(client, signed(claims_for(user.id, iss="https://evil.example")))

    async def test_unknown_kid_is_401(self, client, user, tmp_path):
        stranger = ring_of(tmp_path, generate_private_pem())
        await assert_unauthorized(client, stranger.encode(claims_for(user.id)))

    async def test_tampered_payload_is_401(self, client, session, user):
        other = await create_user(session, await create_org_unit(session))
        header, _, sig = issue_access_token(user).split(".")
        await assert_unauthorized(client, f"{header}.{segment(claims_for(other.id))}.{sig}")

    async def test_missing_sub_is_401(self, client, user):
        await assert_unauthorized(client, signed(claims_for(user.id, sub=None)))

    async def test_missing_exp_is_401(self, client, user):
        await assert_unauthorized(client, signed(claims_for(user.id, exp=None)))

    @pytest.mark.parametrize("exp", ["9999999999", True, "NaN", [9999999999], {"t": 1}])
    async def test_exp_that_is_not_a_number_is_401(self, client, user, exp):
        await assert_unauthorized(client, signed(claims_for(user.id, exp=exp)))

    async def test_iat_that_is_a_string_is_401(self, client, user):
        await assert_unauthorized(client, signed(claims_for(user.id, iat=str(int(time.time())))))

    async def test_non_numeric_sub_is_401(self, client, user):
        await assert_unauthorized(client, signed(claims_for(user.id, sub="admin")))

    @pytest.mark.parametrize("garbage", ["garbage", "a.b.c", "....", "eyJ.eyJ.x", "é中文", "Bearer", "x" * 5000])
    async def test_garbage_is_401(self, client, garbage):
        await assert_unauthorized(client, garbage)

    async def test_header_that_is_not_an_object_is_401(self, client, user):
        await assert_unauthorized(client, f"{b64url(b'[1]')}.{segment(claims_for(user.id))}.AAAA")

    async def test_token_of_deactivated_user_is_401(self, client, session, user):
        headers = auth(user)
        await session.execute(update(User).where(User.id == user.id).values(is_active=False))
        r = await client.get(ME, headers=headers)
        assert r.status_code == 401


class TestLoginTokens:
    async def test_access_token_works_for_me(self, client, user):
        r = await login(client, user.username)
        assert r.status_code == 200, r.text
        me = await client.get(ME, headers=bearer(r.json()["access_token"]))
        assert me.status_code == 200
        assert me.json()["id"] == user.id

    async def test_access_token_lives_at_most_900_seconds(self, client, user):
        body = (await login(client, user.username)).json()
        claims = jose_jwt.get_unverified_claims(body["access_token"])
        assert body["expires_in"] <= 900
        assert claims["exp"] - claims["iat"] <= 900

    async def test_settings_refuse_longer_access_tokens(self):
        from pydantic import ValidationError

        from api.config import Settings

        with pytest.raises(ValidationError):
            Settings(access_token_ttl_seconds=901)


class TestRefresh:
    async def test_refresh_rotates_and_old_token_stops_working(self, client, user):
        first = (await login(client, user.username)).json()
        r = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert r.status_code == 200
        second = r.json()
        assert second["refresh_token"] != first["refresh_token"]
        assert (await client.get(ME, headers=bearer(second["access_token"]))).status_code == 200
        again = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert again.status_code == 401
        assert again.json()["code"] == "unauthorized"

    async def test_replayed_refresh_token_revokes_the_whole_family(self, client, user):
        first = (await login(client, user.username)).json()
        second = (await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})).json()
        replay = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert replay.status_code == 401
        newest = await client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
        assert newest.status_code == 401

    async def test_replay_does_not_touch_other_sessions(self, client, user):
        a = (await login(client, user.username)).json()
        b = (await login(client, user.username)).json()
        await client.post("/api/v1/auth/refresh", json={"refresh_token": a["refresh_token"]})
        await client.post("/api/v1/auth/refresh", json={"refresh_token": a["refresh_token"]})
        r = await client.post("/api/v1/auth/refresh", json={"refresh_token": b["refresh_token"]})
        assert r.status_code == 200

    async def test_unknown_refresh_token_is_401(self, client):
        r = await client.post("/api/v1/auth/refresh", json={"refresh_token": "x" * 43})
        assert r.status_code == 401
        assert r.headers["content-type"] == "application/problem+json"


class TestLogout:
    async def test_logout_revokes_the_refresh_token(self, client, user):
        pair = (await login(client, user.username)).json()
        r = await client.post("/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]})
        assert r.status_code == 204
        again = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        assert again.status_code == 401

    async def test_logout_revokes_tokens_rotated_from_it(self, client, user):
        first = (await login(client, user.username)).json()
        second = (await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})).json()
        await client.post("/api/v1/auth/logout", json={"refresh_token": second["refresh_token"]})
        r = await client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
        assert r.status_code == 401


    async def test_logout_ends_the_access_token_too(self, client, user):
        pair = (await login(client, user.username)).json()
        headers = bearer(pair["access_token"])
        assert (await client.get(ME, headers=headers)).status_code == 200
        r = await client.post("/api/v1/auth/logout", headers=headers, json={"refresh_token": pair["refresh_token"]})
        assert r.status_code == 204
        await assert_unauthorized(client, pair["access_token"])

    async def test_logout_leaves_the_users_other_access_tokens_alone(self, client, user):
        a = (await login(client, user.username)).json()
        b = (await login(client, user.username)).json()
        await client.post("/api/v1/auth/logout", headers=bearer(a["access_token"]),
                          json={"refresh_token": a["refresh_token"]})
        assert (await client.get(ME, headers=bearer(b["access_token"]))).status_code == 200

    async def test_logging_out_twice_is_fine(self, client, user):
        pair = (await login(client, user.username)).json()
        for _ in range(2):
            r = await client.post("/api/v1/auth/logout", headers=bearer(pair["access_token"]), json={})
            assert r.status_code == 204
        await assert_unauthorized(client, pair["access_token"])


class TestJwks:
    async def test_jwks_holds_only_public_members(self, client):
        r = await client.get("/.well-known/jwks.json")
        assert r.status_code == 200
        keys = r.json()["keys"]
        assert keys
        for key in keys:
            assert "d" not in key
            assert set(key) <= {"kty", "crv", "x", "y", "kid", "use", "alg"}
            assert key["kid"]
            assert key["use"] == "sig"

    async def test_jwks_verifies_an_issued_token(self, client, user):
        token = issue_access_token(user)
        key = (await client.get("/.well-known/jwks.json")).json()["keys"][0]
        s = get_settings()
        claims = jose_jwt.decode(token, key, algorithms=["ES256"], audience=s.jwt_audience, issuer=s.jwt_issuer)
        assert claims["sub"] == str(user.id)


class TestKeyRotation:
    def test_old_tokens_verify_after_rotation(self, tmp_path: Path):
        old_pem, new_pem = generate_private_pem(), generate_private_pem()
        token = ring_of(tmp_path, old_pem, []).encode(claims_for(1))
        s = get_settings()
        rotated = ring_of(tmp_path, new_pem, [old_pem])
        assert rotated.decode(token, issuer=s.jwt_issuer, audience=s.jwt_audience)["sub"] == "1"
        assert rotated.encode(claims_for(1)).split(".")[0] != token.split(".")[0]  # new kid signs

    def test_dropped_key_no_longer_verifies(self, tmp_path: Path):
        old_pem, new_pem = generate_private_pem(), generate_private_pem()
        token = ring_of(tmp_path, old_pem, []).encode(claims_for(1))
        s = get_settings()
        with pytest.raises(InvalidToken):
            ring_of(tmp_path, new_pem, []).decode(token, issuer=s.jwt_issuer, audience=s.jwt_audience)

    def test_rotated_jwks_lists_both_keys_without_private_parts(self, tmp_path: Path):
        ring = ring_of(tmp_path, generate_private_pem(), [generate_private_pem()])
        keys = ring.jwks()["keys"]
        assert len({k["kid"] for k in keys}) == 2
        assert all("d" not in k for k in keys)

    def test_development_ring_keeps_the_previous_key(self, tmp_path: Path):
        first = KeyRing.development(tmp_path, timedelta(minutes=16))
        token = first.encode(claims_for(1))
        (tmp_path / "0-new.pem").write_bytes(generate_private_pem())
        os.utime(tmp_path / "0-new.pem", (time.time() + 5, time.time() + 5))
        second = KeyRing.development(tmp_path, timedelta(minutes=16))
        assert second.active.kid != first.active.kid
        s = get_settings()
        assert second.decode(token, issuer=s.jwt_issuer, audience=s.jwt_audience)["sub"] == "1"


class TestVerifiedCache:
    """A token's signature is checked once per ring; its expiry on every use."""

    def test_a_cached_token_still_expires(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
        ring = ring_of(tmp_path, generate_private_pem())
        s = get_settings()
        token = ring.encode(claims_for(1))
        exp = ring.decode(token, issuer=s.jwt_issuer, audience=s.jwt_audience)["exp"]
        assert ring.decode(token, issuer=s.jwt_issuer, audience=s.jwt_audience)["sub"] == "1"  # from the cache
        monkeypatch.setattr(time, "time", lambda: exp + 1)
        with pytest.raises(InvalidToken):
            ring.decode(token, issuer=s.jwt_issuer, audience=s.jwt_audience)

    def test_a_cached_token_is_checked_against_the_audience_asked_for(self, tmp_path: Path):
        ring = ring_of(tmp_path, generate_private_pem())
        s = get_settings()
        token = ring.encode(claims_for(1))
        ring.decode(token, issuer=s.jwt_issuer, audience=s.jwt_audience)
        with pytest.raises(InvalidToken):
            ring.decode(token, issuer=s.jwt_issuer, audience="another-api")

    def test_a_callers_changes_do_not_reach_the_cache(self, tmp_path: Path):
        ring = ring_of(tmp_path, generate_private_pem())
        s = get_settings()
        token = ring.encode(claims_for(1))
        ring.decode(token, issuer=s.jwt_issuer, audience=s.jwt_audience)["sub"] = "2"
        assert ring.decode(token, issuer=s.jwt_issuer, audience=s.jwt_audience)["sub"] == "1"


class TestJoseIsolation:
    def test_only_tokens_module_imports_jose(self):
        importers = []
        for path in (ROOT / "api").rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                if any(n == "jose" or n.startswith("jose.") for n in names):
                    importers.append(path.relative_to(ROOT).as_posix())
        assert sorted(set(importers)) == ["api/auth/tokens.py"]

