"""Starting and stopping the uvicorn processes a benchmark measures (loopback only)."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def uvicorn(app: str, *, workers: int = 1, env: dict[str, str | None] | None = None, ready: str = "/",
            log: Path | None = None, cwd: Path = ROOT) -> Iterator[str]:
    """Run `uvicorn APP` on a free loopback port until the block ends; yields its base URL once `ready` answers
    200. `env` adds variables to this process's environment (None removes one). Access logs are off, as they
    would be in a measured production setup behind a proxy."""
    port = free_port()
    environ = {**os.environ, **{k: v for k, v in (env or {}).items() if v is not None}}
    for name in [k for k, v in (env or {}).items() if v is None]:
        environ.pop(name, None)
    out = log.open("wb") if log else subprocess.DEVNULL
    proc = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
        [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--workers",
         str(workers), "--no-access-log", "--log-level", "warning"],
        cwd=cwd, env=environ, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(base + ready, timeout=2, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                detail = log.read_text(errors="replace")[-3000:] if log else ""
                raise SystemExit(f"{app} did not start\n{detail}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log and hasattr(out, "close"):
            out.close()


@contextmanager
def baselines(workers: int = 1) -> Iterator[tuple[str, str]]:
    """The bare FastAPI hello and the raw ASGI hello, each in its own process with `workers` workers."""
    with uvicorn("bench.baseline:fastapi_app", workers=workers, ready="/hello") as fastapi_base, \
            uvicorn("bench.baseline:asgi_app", workers=workers, ready="/hello") as asgi_base:
        yield fastapi_base + "/hello", asgi_base + "/hello"
