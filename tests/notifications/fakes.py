"""Local servers that speak the outside services' documented APIs, started by the tests: WeChat's server API
(code2Session, stable_token, subscribeMessage.send, getuserphonenumber, msg_sec_check), Alibaba Cloud's SendSms
(RPC signature v1) and SMTP (aiosmtpd)."""

import asyncio
import base64
import hashlib
import hmac
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from typing import Any
from urllib.parse import quote

import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerThread:
    """A uvicorn server for `app` on a free local port, in a thread of its own."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@dataclass
class FakeWechat:
    """WeChat's server API as documented: errcode/errmsg on failure, GET code2Session with exactly its four
    query parameters, access_token in the query of the POST APIs."""

    appid: str = "wxTESTAPPID"
    secret: str = "s3cret"
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)  # js_code → answer
    token_calls: list[dict[str, Any]] = field(default_factory=list)
    valid_tokens: set[str] = field(default_factory=set)
    send_errors: list[int] = field(default_factory=list)  # errcodes the next sends answer, in order
    sent: list[dict[str, Any]] = field(default_factory=list)
    phones: dict[str, str] = field(default_factory=dict)
    watermark_appid: str | None = None

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.get("/sns/jscode2session")
        async def code2session(appid: str, secret: str, js_code: str, grant_type: str) -> dict[str, Any]:
            if appid != self.appid or secret != self.secret or grant_type != "authorization_code":
                return {"errcode": 40013, "errmsg": "invalid appid"}
            answer = self.sessions.pop(js_code, None)  # a code works once
            if answer is None:
                return {"errcode": 40029, "errmsg": "invalid code"}
            return answer

        @api.post("/cgi-bin/stable_token")
        async def stable_token(request: Request) -> dict[str, Any]:
            body = await request.json()
            self.token_calls.append(body)
            if body.get("appid") != self.appid or body.get("secret") != self.secret:
                return {"errcode": 40013, "errmsg": "invalid appid"}
            token = f"TOKEN-{len(self.token_calls)}-" + "x" * 100
            self.valid_tokens.add(token)
            return {"access_token": token, "expires_in": 7200}

        def stale(access_token: str) -> dict[str, Any] | None:
            if access_token not in self.valid_tokens:
                return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
            return None

        @api.post("/cgi-bin/message/subscribe/send")
        async def send(access_token: str, request: Request) -> dict[str, Any]:
            if (bad := stale(access_token)) is not None:
                return bad
            body = await request.json()
            if self.send_errors:
                code = self.send_errors.pop(0)
                return {"errcode": code, "errmsg": {43101: "user refuse to accept the msg",
                                                    47003: "argument invalid! data.thing1.value invalid",
                                                    -1: "system error"}.get(code, "error")}
            for key, item in body["data"].items():
                if key.startswith("thing") and len(item["value"]) > 20:
                    return {"errcode": 47003, "errmsg": f"argument invalid! data.{key}.value invalid"}
            self.sent.append(body)
            return {"errcode": 0, "errmsg": "ok"}

        @api.post("/wxa/business/getuserphonenumber")
        async def phone(access_token: str, request: Request) -> dict[str, Any]:
            if (bad := stale(access_token)) is not None:
                return bad
            number = self.phones.pop((await request.json())["code"], None)
            if number is None:
                return {"errcode": 40029, "errmsg": "invalid code"}
            return {"errcode": 0, "errmsg": "ok", "phone_info": {
                "phoneNumber": number, "purePhoneNumber": number, "countryCode": "86",
                "watermark": {"timestamp": int(time.time()), "appid": self.watermark_appid or self.appid}}}

        @api.post("/wxa/msg_sec_check")
        async def msg_sec_check(access_token: str, request: Request) -> dict[str, Any]:
            if (bad := stale(access_token)) is not None:
                return bad
            body = await request.json()
            risky = "违禁" in body["content"]
            return {"errcode": 0, "errmsg": "ok", "result": {"suggest": "risky" if risky else "pass",
                                                             "label": 20001 if risky else 100}, "detail": []}

        return api


def _percent(value: str) -> str:
    return quote(value, safe="-_.~")


@dataclass
class FakeAliyunSms:
    """Alibaba Cloud SendSms: checks the HMAC-SHA1 signature of the query and answers Code OK."""

    key_id: str = "LTAItest"
    secret: str = "sms-secret"
    sent: list[dict[str, str]] = field(default_factory=list)

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.get("/")
        async def send(request: Request) -> dict[str, Any]:
            params = dict(request.query_params)
            signature = params.pop("Signature", "")
            canonical = "&".join(f"{_percent(k)}={_percent(v)}" for k, v in sorted(params.items()))
            to_sign = f"GET&%2F&{_percent(canonical)}"
            expected = base64.b64encode(hmac.new(f"{self.secret}&".encode(), to_sign.encode(),
                                                 hashlib.sha1).digest()).decode()
            if params.get("AccessKeyId") != self.key_id or signature != expected:
                return {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}
            self.sent.append(params)
            return {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5"}

        return api


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def smtp_server() -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, inbox


async def poll(condition: Any, within: float = 10.0) -> None:
    """Wait for `condition()` to be true (no fixed sleeps)."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
