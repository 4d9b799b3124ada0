from api.errors import Forbidden, NotFound, Unauthorized


class InvalidClient(Unauthorized):
    code = "invalid_client"
    title = "客户端认证失败"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, error="invalid_client")

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Basic realm="zhengwu-portal"'}


class ScopeRequired(Forbidden):
    code = "insufficient_scope"
    title = "访问令牌缺少所需的权限范围"

    def __init__(self, scope: str) -> None:
        super().__init__(f"此接口需要权限范围 {scope}", scope=scope, error="insufficient_scope")

    def headers(self) -> dict[str, str]:
        scope = self.extra["scope"]
        return {"WWW-Authenticate": f'Bearer realm="zhengwu-portal", error="insufficient_scope", scope="{scope}"'}


class NotForClients(Forbidden):
    code = "not_for_clients"
    title = "此接口不对接入客户端开放"


class ClientNotFound(NotFound):
    code = "api_client_not_found"
    title = "接入客户端不存在"
