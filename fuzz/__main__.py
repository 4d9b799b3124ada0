"""Schemathesis against the running portal, as an outsider would drive it.

    python -m fuzz [--databases sqlite,postgresql] [--seconds 120] [--max-examples 50] [--pg URL]

For each database: a scratch database (SQLite under var/fuzz/, PostgreSQL at --pg, default the scratch database
`fuzz` on 127.0.0.1) is migrated and loaded with the demo data, one uvicorn worker serves it, and schemathesis
drives every operation of /api/v1/openapi.json three times: anonymous, as the demo `handler`, and as the demo
`admin`. The wall-clock budget (--seconds, env FUZZ_SECONDS) is shared evenly by these passes; each operation gets
at most --max-examples cases (env FUZZ_MAX_EXAMPLES) per phase. A pass fails on any 5xx, any status code the
contract does not document, any response that violates its schema and any Content-Type the contract does not
list. Exit status 0 only when every pass is clean; the figures are printed and written to var/fuzz/summary.json."""

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench import pg, servers

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "fuzz"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
IDENTITIES = (None, "handler", "admin")
# Operations that end the fuzzing identity's own session: the pass would go on as anonymous and test less.
SESSION_ENDING = r"^/api/v1/auth/(password|logout)$"


def _cli(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=env,  # noqa: S603
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"python -m api.cli {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def _token(base: str, username: str, password: str) -> str:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": password}, timeout=30,
                   trust_env=False)
    r.raise_for_status()
    return str(r.json()["access_token"])


def _schemathesis(base: str, token: str | None, seconds: int, max_examples: int, report: Path,
                  seed: int | None) -> int:
    cmd = [str(Path(sys.executable).with_name("schemathesis")), "run", f"{base}/api/v1/openapi.json",
           "--checks", CHECKS, "--max-examples", str(max_examples), "--max-time", str(max(seconds, 1)),
           "--workers", "1", "--request-timeout", "30", "--suppress-health-check", "all",
           "--report", "ndjson", "--report-ndjson-path", str(report), "--output-truncate", "true",
           "--warnings", "off"]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    if token:
        cmd += ["-H", f"Authorization: Bearer {token}", "--exclude-path-regex", SESSION_ENDING]
    return subprocess.run(cmd, cwd=ROOT, check=False).returncode  # noqa: S603


def _figures(report: Path) -> dict[str, Any]:
    """Cases, 5xx responses and failures per check, from schemathesis' event stream."""
    cases = server_errors = 0
    failures: dict[str, int] = {}
    for line in report.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if "ScenarioFinished" in event:
            recorder = event["ScenarioFinished"].get("recorder") or {}
            cases += len(recorder.get("cases", {}))
            for interactions in [recorder.get("interactions", {})]:
                for interaction in interactions.values():
                    status = ((interaction or {}).get("response") or {}).get("status_code") or 0
                    server_errors += status >= 500
            for checks in recorder.get("checks", {}).values():
                for check in checks:
                    if str(check.get("status", "")).lower() in ("failure", "error"):
                        failures[check["name"]] = failures.get(check["name"], 0) + 1
    return {"cases": cases, "server_errors": server_errors, "failures": failures}


async def _prepare(database: str, url: str, tmp: Path) -> dict[str, str]:
    env = {**os.environ, "PORTAL_DATABASE_URL": url, "PORTAL_VAR_DIR": str(tmp), "PORTAL_ENV": "development",
           "PORTAL_LOG_LEVEL": "WARNING"}
    env.pop("PORTAL_REDIS_URL", None)
    if database == "postgresql":
        await pg.reset(url)
    _cli(env, "migrate")
    _cli(env, "demo")
    return env


def run_database(database: str, url: str, seconds: int, max_examples: int, seed: int | None) -> dict[str, Any]:
    tmp = OUT / database
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    env = asyncio.run(_prepare(database, url, tmp))
    password = env.get("PORTAL_DEMO_PASSWORD", "Demo@2026")
    results: dict[str, Any] = {}
    log = tmp / "server.log"
    with servers.uvicorn("api.main:app", env={**env, "PORTAL_REDIS_URL": None}, ready="/api/v1/ready",
                         log=log) as base:
        tokens = {who: _token(base, who, password) for who in IDENTITIES if who}
        share = seconds // len(IDENTITIES)
        for who in IDENTITIES:
            name = who or "anonymous"
            report = tmp / f"{name}.ndjson"
            print(f"\n== fuzz {database}, {name}: {share} s, at most {max_examples} cases per operation", flush=True)
            started = time.monotonic()
            code = _schemathesis(base, tokens.get(who) if who else None, share, max_examples, report, seed)
            results[name] = {**_figures(report), "exit_code": code, "seconds": round(time.monotonic() - started)}
    results["server_log_errors"] = log.read_text(errors="replace").count('"unhandled_error"')
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default=os.environ.get("FUZZ_DATABASES", "sqlite,postgresql"))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS", "120")),
                        help="wall-clock budget of the fuzzing, shared by every database and identity")
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("FUZZ_MAX_EXAMPLES", "50")))
    parser.add_argument("--pg", default=os.environ.get("FUZZ_PG_URL",
                                                       "postgresql+asyncpg://postgres@127.0.0.1:5432/fuzz"))
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    urls = {"sqlite": f"sqlite+aiosqlite:///{OUT / 'sqlite' / 'fuzz.db'}", "postgresql": args.pg}
    summary: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                               "machine": f"{os.cpu_count()} cores", "seconds": args.seconds,
                               "max_examples": args.max_examples, "databases": {}}
    for database in databases:
        summary["databases"][database] = run_database(database, urls[database], args.seconds // len(databases),
                                                      args.max_examples, args.seed)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    print("\n" + json.dumps(summary, ensure_ascii=False, indent=2))
    clean = all(p["exit_code"] == 0 and p["server_errors"] == 0 and not p["failures"]
                for d in summary["databases"].values() for k, p in d.items() if isinstance(p, dict))
    clean = clean and all(d["server_log_errors"] == 0 for d in summary["databases"].values())
    print("fuzz: clean" if clean else "fuzz: FAILED (see above and var/fuzz/)")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
