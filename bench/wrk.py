"""The load generator: wrk (Debian's package), driven from Python.

A Python client (httpx, aiohttp) spends more CPU per request than the server's hello endpoint does: on this
2-core machine httpx topped out near 1,400 req/s against a hello that wrk measured at about 4,000, so every
ratio to hello was a ratio to the client. wrk is written in C and stays far below the server's cost; the
percentiles and counts come from its own Lua `done` hook as one JSON line."""

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

# Prints the summary as JSON. `request` (optional, per scenario) builds each request, e.g. a fresh
# Idempotency-Key per POST; wrk.thread ids keep keys unique across wrk threads.
_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"errors":%d,"status_errors":%d,'
    .. '"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout + e.status, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""

UNIQUE_POST = """
local counter = 0
local thread_no = 0
setup = function(thread)
  thread_no = thread_no + 1
  thread:set("tid", thread_no)
end
request = function()
  counter = counter + 1
  wrk.headers["Idempotency-Key"] = string.format("%s-%d-%d", run_id, tid, counter)
  return wrk.format("POST", path, nil, body)
end
"""


# Each request a different URL (`path` plus a counter the API ignores): a response cache in front never answers.
UNCACHED_GET = """
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", path .. "&n=" .. counter)
end
"""


def require() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed: `apt-get install wrk` (make bench installs it)")
    return path


def lua_string(value: str) -> str:
    """A Lua long-bracket literal: no escapes to get wrong (wrk's LuaJIT has no \\u escapes for UTF-8)."""
    level = 0
    while f"]{'=' * level}]" in value:
        level += 1
    return f"[{'=' * level}[{value}]{'=' * level}]"


def run(url: str, seconds: float, connections: int, headers: dict[str, str] | None = None, threads: int = 1,
        script: str = "", variables: dict[str, str] | None = None) -> dict[str, Any]:
    """One wrk run; returns requests, rps, errors and p50/p95/p99 in ms."""
    wrk = require()
    prelude = "".join(f"{name} = {lua_string(value)}\n" for name, value in (variables or {}).items())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, encoding="utf-8") as f:
        f.write(prelude + script + _DONE)
        lua = Path(f.name)
    # wrk reads whole seconds only ("-d 0.5s" exits 1), so a short run is one second.
    args = [wrk, "-t", str(threads), "-c", str(max(connections, threads)), "-d", f"{max(1, round(seconds))}s",
            "--timeout", "30s", "-s", str(lua)]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    try:
        out = subprocess.run([*args, url], capture_output=True, text=True, check=True, timeout=seconds + 60)  # noqa: S603
    finally:
        lua.unlink(missing_ok=True)
    line = next((ln for ln in reversed(out.stdout.splitlines()) if ln.startswith("{")), None)
    if line is None:
        raise SystemExit(f"wrk printed no summary:\n{out.stdout}\n{out.stderr}")
    raw = json.loads(line)
    elapsed = raw["duration_us"] / 1e6
    return {"requests": raw["requests"], "elapsed": elapsed, "rps": round(raw["requests"] / elapsed, 1),
            "errors": raw["errors"], "status_errors": raw["status_errors"],
            "p50_ms": round(raw["p50_us"] / 1000, 2), "p95_ms": round(raw["p95_us"] / 1000, 2),
            "p99_ms": round(raw["p99_us"] / 1000, 2)}
