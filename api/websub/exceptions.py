from api.errors import AppError


class HubRequestRefused(AppError):
    status = 400
    code = "websub_request_refused"
    title = "订阅请求无效"
