"""Application submission throughput on PostgreSQL with two uvicorn workers, beside the hello baseline.

    python -m bench.applications [--database-url postgresql+asyncpg://...] [--seconds 15] [--concurrency 48]

The database named by --database-url is wiped, migrated and loaded with the demo data. Each submission
is a real 就餐卡办理 application from the demo citizen with its own Idempotency-Key. Target: ≥ 300
submissions/s sustained with zero errors."""

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import httpx

from bench import pg, wrk

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
    done = subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=env,  # noqa: S603
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"python -m api.cli {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


async def run(args: argparse.Namespace) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bench-applications-"))
    env = {**os.environ, "PORTAL_DATABASE_URL": args.database_url, "PORTAL_VAR_DIR": str(tmp),
           "PORTAL_ENV": "development", "PORTAL_LOG_LEVEL": "WARNING"}
    env.pop("PORTAL_REDIS_URL", None)
    await pg.reset(args.database_url)
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
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        body = json.dumps({"service_code": "JCKBL", "data": FORM}, ensure_ascii=False)
        check = httpx.post(f"{base}/api/v1/applications", content=body.encode(), timeout=10,  # noqa: ASYNC210
                           headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
        if check.status_code != 201:
            print(f"a submission answered {check.status_code}: {check.text[:300]}")
            return 2

        def submit(seconds: float) -> dict[str, float]:
            return wrk.run(f"{base}/api/v1/applications", seconds, args.concurrency, headers, threads=2,
                           script=wrk.UNIQUE_POST,
                           variables={"path": "/api/v1/applications", "body": body, "run_id": uuid.uuid4().hex})

        submit(2)  # warm-up: connection pools, caches
        baseline = wrk.run(f"{base}/api/v1/health", args.seconds, args.concurrency, threads=2)
        result = submit(args.seconds)
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
