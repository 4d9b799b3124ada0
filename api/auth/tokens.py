"""JWT signing and verification: the only module that imports python-jose.

ES256 only. Decoding allows exactly one algorithm, requires exp/iat/iss/aud/sub and a known kid, accepts
the time claims only as JSON numbers (RFC 7519 NumericDate; jose would take "exp": "9999999999"), and turns
every jose failure into `InvalidToken` so the API answers 401, never 500.
"""

import base64
import hashlib
import json
import math
import os
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jwk, jwt
from jose.exceptions import JOSEError

ALGORITHM = "ES256"
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub")
TIME_CLAIMS = ("exp", "iat", "nbf")


class InvalidToken(Exception):
    pass


def _b64(n: int) -> str:
    return base64.urlsafe_b64encode(n.to_bytes(32, "big")).rstrip(b"=").decode()


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: bytes | None
    public_jwk: dict[str, str]
    public_pem: bytes


def _key_from_pem(pem: bytes) -> SigningKey:
    try:
        loaded: Any = serialization.load_pem_private_key(pem, password=None)
        private_pem: bytes | None = pem
        public = loaded.public_key()
    except (ValueError, TypeError):
        public = serialization.load_pem_public_key(pem)
        private_pem = None
    if not isinstance(public, ec.EllipticCurvePublicKey) or public.curve.name != "secp256r1":
        raise ValueError("signing keys must be EC P-256 (ES256)")
    nums = public.public_numbers()
    x, y = _b64(nums.x), _b64(nums.y)
    # RFC 7638 thumbprint as the kid: stable for the key, reveals nothing.
    thumb = json.dumps({"crv": "P-256", "kty": "EC", "x": x, "y": y}, separators=(",", ":"))
    kid = base64.urlsafe_b64encode(hashlib.sha256(thumb.encode()).digest()).rstrip(b"=").decode()
    public_pem = public.public_bytes(serialization.Encoding.PEM,
                                     serialization.PublicFormat.SubjectPublicKeyInfo)
    jwk_dict = {"kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": kid, "use": "sig", "alg": ALGORITHM}
    return SigningKey(kid, private_pem, jwk_dict, public_pem)


def generate_private_pem() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def write_private_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(generate_private_pem())


class KeyRing:
    """The active signing key plus older public keys kept until their last tokens expire."""

    def __init__(self, active: SigningKey, previous: list[SigningKey]) -> None:
        if active.private_pem is None:
            raise ValueError("the active signing key must be a private key")
        self.active = active
        self.by_kid = {k.kid: k for k in [*previous, active]}
        self._public = {k.kid: jwk.construct(k.public_jwk, algorithm=ALGORITHM) for k in self.by_kid.values()}
        # A client sends the same access token with every request until it expires; its signature needs
        # checking once (an ECDSA verify is most of this method's cost). Only tokens that passed are kept.
        self._verified: OrderedDict[tuple[str, str, str], dict[str, Any]] = OrderedDict()

    @classmethod
    def from_files(cls, active: Path, previous: list[Path]) -> "KeyRing":
        return cls(_key_from_pem(active.read_bytes()), [_key_from_pem(p.read_bytes()) for p in previous])

    @classmethod
    def development(cls, keys_dir: Path, max_token_age: timedelta) -> "KeyRing":
        """var/keys/*.pem: the newest signs; older ones verify while tokens they signed may live."""
        keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        files = sorted(keys_dir.glob("*.pem"), key=lambda p: p.stat().st_mtime)
        if not files:
            write_private_key(keys_dir / f"{datetime.now(UTC):%Y%m%d%H%M%S}.pem")
            files = sorted(keys_dir.glob("*.pem"))
        active = files[-1]
        retired_since = datetime.fromtimestamp(active.stat().st_mtime, UTC)
        keep_previous = datetime.now(UTC) - retired_since < max_token_age
        previous = files[:-1] if keep_previous else []
        return cls.from_files(active, previous)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [dict(k.public_jwk) for k in self.by_kid.values()]}

    def encode(self, claims: dict[str, Any]) -> str:
        assert self.active.private_pem is not None
        return jwt.encode(claims, self.active.private_pem.decode(), algorithm=ALGORITHM,
                          headers={"kid": self.active.kid})

    VERIFIED_CACHE = 4096

    def decode(self, token: str, *, issuer: str, audience: str) -> dict[str, Any]:
        cache_key = (token, issuer, audience)
        cached = self._verified.get(cache_key)
        if cached is not None:
            if cached["exp"] <= time.time():
                self._verified.pop(cache_key, None)
                raise InvalidToken("ExpiredSignatureError")
            self._verified.move_to_end(cache_key)
            return dict(cached)
        claims = self._verify(token, issuer=issuer, audience=audience)
        self._verified[cache_key] = dict(claims)
        if len(self._verified) > self.VERIFIED_CACHE:
            self._verified.popitem(last=False)
        return claims

    def _verify(self, token: str, *, issuer: str, audience: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != ALGORITHM:
                raise InvalidToken("unexpected algorithm")
            public = self._public.get(header.get("kid") or "")
            if public is None:
                raise InvalidToken("unknown key id")
            claims: dict[str, Any] = jwt.decode(
                token, public, algorithms=[ALGORITHM], issuer=issuer, audience=audience,
                options={f"require_{c}": True for c in REQUIRED_CLAIMS},
            )
        except InvalidToken:
            raise
        except (JOSEError, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise InvalidToken(type(exc).__name__) from exc
        for name in TIME_CLAIMS:
            value = claims.get(name)
            if name in claims and (isinstance(value, bool) or not isinstance(value, int | float)
                                   or not math.isfinite(value)):
                raise InvalidToken(f"{name} must be a number")
        if not isinstance(claims.get("sub"), str):
            raise InvalidToken("sub must be a string")
        return claims


def unverified_kind(token: str) -> str | None:
    """The `kind` claim read without verifying the token: only to route it to the check that verifies it."""
    try:
        kind = jwt.get_unverified_claims(token).get("kind")
    except (JOSEError, ValueError, TypeError, AttributeError):
        return None
    return kind if isinstance(kind, str) else None
