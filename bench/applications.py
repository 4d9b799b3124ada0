"""Application submission throughput on PostgreSQL with two uvicorn workers, beside the hello baseline.

    python -m bench.applications [--database-url postgresql+asyncpg://...] [--seconds 15] [--concurrency 48]

The database named by --database-url is wiped, migrated and loaded with the demo data. Each submission
is a real 就餐卡办理 application from the demo citizen with its own Idempotency-Key. Target: ≥ 300
submissions/s sustained with zero errors."""

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_applications"
TARGET = 300.0
FORM = {"applicant_name": "张市民", "id_number": "11010519491231002X", "phone": "13800138000",
        "work_unit": "某市机关事务管理局", "card_kind": "新办", "initial_amount": 200, "meals": ["午餐"]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=env, check=True,  # noqa: S603
                   capture_output=True)


async def _ensure_database(url: str) -> None:
    """Create the scratch database on first use (connecting to the server's `postgres` database)."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from api.database import make_engine

    target = make_url(url)
    admin = make_engine(target.set(database="postgres").render_as_string(hide_password=False),
                        isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        exists = (await conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                     {"n": target.database})).first()
        if not exists:
            await conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    await admin.dispose()


async def _reset(url: str) -> None:
    from sqlalchemy import text

    from api.database import make_engine

    await _ensure_database(url)
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def _load(base: str, seconds: float, concurrency: int, make_request) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                try:
                    r = await make_request(client)
                    statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                    if r.status_code >= 400:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - t0)

        start = time.perf_counter()
        await asyncio.gather(*[worker() for _ in range(concurrency)])
        elapsed = time.perf_counter() - start
    latencies.sort()
    n = len(latencies)
    return {"requests": n, "rps": n / elapsed, "errors": errors,
            "p50_ms": statistics.median(latencies) * 1000 if n else 0.0,
            "p99_ms": latencies[min(n - 1, int(n * 0.99))] * 1000 if n else 0.0}


async def run(args: argparse.Namespace) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bench-applications-"))
    env = {**os.environ, "PORTAL_DATABASE_URL": args.database_url, "PORTAL_VAR_DIR": str(tmp),
           "PORTAL_ENV": "development", "PORTAL_LOG_LEVEL": "WARNING"}
    env.pop("PORTAL_REDIS_URL", None)
    await _reset(args.database_url)
    _cli(env, "migrate")
    _cli(env, "demo")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp / "server.log").open("wb")
    proc = subprocess.Popen(  # noqa: S603, ASYNC220 - fixed argv; start-up, nothing else runs yet
        [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(args.workers), "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/api/v1/ready", timeout=1).status_code == 200:  # noqa: ASYNC210
                    break
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
        else:
            print(f"server did not start; see {tmp / 'server.log'}")
            return 2
        login = {"username": "citizen", "password": args.password}
        token = httpx.post(f"{base}/api/v1/auth/token", data=login, timeout=10).json()["access_token"]  # noqa: ASYNC210
        headers = {"Authorization": f"Bearer {token}"}

        async def hello(client: httpx.AsyncClient) -> httpx.Response:
            return await client.get("/api/v1/health")

        async def submit(client: httpx.AsyncClient) -> httpx.Response:
            return await client.post("/api/v1/applications", json={"service_code": "JCKBL", "data": FORM},
                                     headers={**headers, "Idempotency-Key": uuid.uuid4().hex})

        await _load(base, 2, args.concurrency, submit)  # warm-up: connection pools, caches
        baseline = await _load(base, args.seconds, args.concurrency, hello)
        result = await _load(base, args.seconds, args.concurrency, submit)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    print(f"PostgreSQL, {args.workers} workers, {args.concurrency} concurrent clients, {args.seconds:g} s each")
    print(f"{'scenario':<26}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for name, r in (("hello (GET /health)", baseline), ("application submission", result)):
        print(f"{name:<26}{r['rps']:>10.1f}{r['p50_ms']:>10.1f}{r['p99_ms']:>10.1f}{int(r['errors']):>8}")
    ok = result["rps"] >= TARGET and result["errors"] == 0
    print(f"target ≥ {TARGET:g} submissions/s with zero errors: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    p.add_argument("--seconds", type=float, default=15)
    p.add_argument("--concurrency", type=int, default=48)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--password", default=os.environ.get("PORTAL_DEMO_PASSWORD", "Demo@2026"))
    sys.exit(asyncio.run(run(p.parse_args())))


if __name__ == "__main__":
    main()
