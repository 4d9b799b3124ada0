"""A WebSub subscriber for tests: a real HTTP server on a free local port that answers intent verifications
(echoing the challenge, or not) and records the deliveries it is sent, answering them with a chosen status."""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes


@dataclass
class Subscriber:
    echo_challenge: bool = True
    delivery_status: int = 204
    verifications: list[dict[str, str]] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    url: str = ""

    def start(self) -> "Subscriber":
        sub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                params = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                sub.verifications.append(params)
                body = (params.get("hub.challenge", "") if sub.echo_challenge else "no").encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                sub.deliveries.append(Delivery({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(sub.delivery_status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/callback"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
