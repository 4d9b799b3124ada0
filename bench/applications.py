"""Application submission throughput on PostgreSQL with two uvicorn workers, beside a bare FastAPI hello.

    python -m bench.applications [--database-url postgresql+asyncpg://...] [--seconds 15] [--concurrency 48]

The database named by --database-url is wiped, migrated and loaded with the demo data. Each submission
is a real 就餐卡办理 application from the demo citizen with its own Idempotency-Key. The baseline is the bare
FastAPI hello of bench/baseline.py with as many workers, in a process of its own, measured in rounds
alternating with the submission rounds. Target: ≥ 300 submissions/s sustained with zero errors."""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import httpx

from bench import pg, servers, wrk

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_applications"
TARGET = 300.0
FORM = {"applicant_name": "张市民", "id_number": "11010519491231002X", "phone": "13800138000",
        "work_unit": "某市机关事务管理局", "card_kind": "新办", "initial_amount": 200, "meals": ["午餐"]}


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
    with servers.uvicorn("api.main:app", workers=args.workers, env={**env, "PORTAL_REDIS_URL": None},
                         ready="/api/v1/ready", log=tmp / "server.log") as base, \
            servers.baselines(workers=args.workers) as (hello, _raw):
        login = {"username": "citizen", "password": args.password}
        token = httpx.post(f"{base}/api/v1/auth/token", data=login, timeout=10).json()["access_token"]  # noqa: ASYNC210
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        body = json.dumps({"service_code": "JCKBL", "data": FORM}, ensure_ascii=False)
        check = httpx.post(f"{base}/api/v1/applications", content=body.encode(), timeout=10,  # noqa: ASYNC210
                           headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
        if check.status_code != 201:
            print(f"a submission answered {check.status_code}: {check.text[:300]}")
            return 2

        def submit(seconds: float) -> dict[str, Any]:
            return wrk.run(f"{base}/api/v1/applications", seconds, args.concurrency, headers, threads=2,
                           script=wrk.UNIQUE_POST,
                           variables={"path": "/api/v1/applications", "body": body, "run_id": uuid.uuid4().hex})

        submit(2)  # warm-up: connection pools, caches
        # Rounds alternate so that both see the same stretch of a shared machine's load.
        rounds = max(1, round(args.seconds / ROUND_SECONDS))
        hellos: list[dict[str, Any]] = []
        subs: list[dict[str, Any]] = []
        for i in range(rounds):
            steps = [(subs, lambda: submit(args.seconds / rounds)),
                     (hellos, lambda: wrk.run(hello, args.seconds / rounds, args.concurrency, threads=2))]
            for into, step in steps if i % 2 == 0 else reversed(steps):
                into.append(step())
    baseline, result = _combine(hellos), _combine(subs)
    ratio = result["rps"] / baseline["rps"]
    print(f"PostgreSQL, {args.workers} workers, {args.concurrency} concurrent clients, {rounds} alternating rounds "
          f"of {args.seconds / rounds:g} s each")
    print(f"{'scenario':<26}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}{'÷ bare hello':>14}")
    for name, r, q in (("bare FastAPI hello", baseline, 1.0), ("application submission", result, ratio)):
        print(f"{name:<26}{r['rps']:>10.1f}{r['p50_ms']:>10.1f}{r['p99_ms']:>10.1f}{int(r['errors']):>8}{q:>14.4f}")
    ok = result["rps"] >= TARGET and result["errors"] == 0
    print(f"target ≥ {TARGET:g} submissions/s with zero errors: {'PASS' if ok else 'FAIL'}")
    report = {"workers": args.workers, "concurrency": args.concurrency, "hello": baseline, "submission": result,
              "ratio": round(ratio, 4)}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")  # noqa: ASYNC240
    return 0 if ok else 1


ROUND_SECONDS = 5.0


def _combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    n = sum(r["requests"] for r in runs)
    elapsed = sum(r["elapsed"] for r in runs)

    def weighted(key: str) -> float:
        return sum(r[key] * r["requests"] for r in runs) / max(n, 1)

    return {"requests": n, "rps": n / elapsed, "errors": sum(r["errors"] for r in runs),
            "p50_ms": weighted("p50_ms"), "p99_ms": weighted("p99_ms")}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    p.add_argument("--seconds", type=float, default=15)
    p.add_argument("--concurrency", type=int, default=48)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", default=str(ROOT / "var" / "bench-applications.json"))
    p.add_argument("--password", default=os.environ.get("PORTAL_DEMO_PASSWORD", "Demo@2026"))
    sys.exit(asyncio.run(run(p.parse_args())))


if __name__ == "__main__":
    main()
