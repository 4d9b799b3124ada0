"""The client-credentials security scheme in the contract: its token URL and scopes, and on every operation a
registered client may call, the scope it needs (and the 401/403/429 a client's token can meet there)."""

from typing import Any

from api.partners.models import SCOPE_LABELS
from api.partners.service import required_scope

SCHEME = "ClientCredentials"
DESCRIPTION = (
    "登记的接入客户端（第三方门户、新闻网站、城市服务应用）以 OAuth2 client_credentials 授权方式向 "
    "POST /api/v1/auth/token 换取访问令牌（ES256 JWT，含 scope 与 client_id，不发刷新令牌）。"
    "令牌只能访问其权限范围覆盖的接口，其他接口一律 403（problem+json 注明所需 scope）；"
    "每个客户端有每分钟限额与每日配额，超出时 429 并带 Retry-After，每次应答都带 RateLimit 与 "
    "RateLimit-Policy 头（IETF draft-ietf-httpapi-ratelimit-headers）。匿名访问订阅源不受影响。")
ERRORS = {"401": "客户端令牌无效、已过期或客户端已停用", "403": "令牌缺少所需的权限范围",
          "429": "超出客户端的每分钟限额或每日配额"}


def document(spec: dict[str, Any]) -> None:
    schemes = spec.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes[SCHEME] = {
        "type": "oauth2", "description": DESCRIPTION,
        "flows": {"clientCredentials": {"tokenUrl": "/api/v1/auth/token",
                                        "scopes": {str(k): v for k, v in SCOPE_LABELS.items()}}},
    }
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            scope = required_scope(method.upper(), path)
            # None: refused to clients (or, OPEN_TO_CLIENTS, open to anyone anyway). Open311 authenticates by its
            # own api_key and documents its own errors.
            if scope is None or path.startswith("/open311/"):
                continue
            security = op.setdefault("security", [])
            if not security:
                security.append({})  # anonymous callers stay welcome
            security.append({SCHEME: [str(scope)]})
            responses = op.setdefault("responses", {})
            for status, text in ERRORS.items():
                responses.setdefault(status, {"description": text})
