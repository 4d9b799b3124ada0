"""Side by side with another commit: python -m bench.compare REV [--runs 2] [--items 20000] [--pg URL]

Checks REV out into a temporary git worktree and gives it this checkout's bench/, so that both are measured by
the same harness (only the catalogue generator stays REV's own, as it writes REV's schema). Then it runs the
disclosure-read bench and the submission bench on REV and on this checkout in turns (A B A B …). Each run
divides by a bare FastAPI hello measured alongside it, so the figure compared is each side's ratio; the median
over the runs is printed. Used to check that a refactor does not cost more than its budget (e.g. ≤ 15% of the
ratio)."""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READS = ("first_page", "deep_page", "column_page", "item_page", "column_tree", "feed_304")


def _run(tree: Path, args: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", *args], cwd=tree, capture_output=True, text=True)  # noqa: S603
    if done.returncode not in (0, 1):  # 1: a target missed, still a measurement
        raise SystemExit(f"{' '.join(args)} in {tree} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def measure(tree: Path, out: Path, a: argparse.Namespace) -> dict[str, float]:
    reads = out / "reads.json"
    subs = out / "subs.json"
    figures: dict[str, float] = {}
    if not a.submission_only:
        _run(tree, ["bench", "--items", str(a.items), "--seconds", str(a.seconds), "--out", str(reads)])
        r = json.loads(reads.read_text())["results"]
        figures = {name: r[name]["ratio"] for name in READS if name in r}
    _run(tree, ["bench.applications", "--database-url", a.pg, "--seconds", str(a.sub_seconds), "--out", str(subs)])
    figures["submission"] = json.loads(subs.read_text())["ratio"]
    return figures


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__)
    p.add_argument("rev")
    p.add_argument("--runs", type=int, default=2)
    p.add_argument("--items", type=int, default=20_000)
    p.add_argument("--seconds", type=float, default=6)
    p.add_argument("--sub-seconds", type=float, default=20)
    p.add_argument("--submission-only", action="store_true",
                   help="only the submission bench (the reads bench's scenarios may not exist at REV)")
    p.add_argument("--pg", default="postgresql+asyncpg://postgres@127.0.0.1:5432/bench_applications")
    a = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    other = tmp / "other"
    subprocess.run(["git", "worktree", "add", "--detach", str(other), a.rev], cwd=ROOT, check=True,  # noqa: S603, S607
                   capture_output=True)
    try:
        # The same harness on both sides, but each side's own catalogue generator, which matches its schema.
        own_generator = (other / "bench" / "generate.py").read_bytes()
        shutil.rmtree(other / "bench")
        shutil.copytree(ROOT / "bench", other / "bench", ignore=shutil.ignore_patterns("__pycache__"))
        (other / "bench" / "generate.py").write_bytes(own_generator)
        runs: dict[str, list[dict[str, float]]] = {a.rev: [], "this checkout": []}
        for i in range(a.runs):
            for name, tree in ((a.rev, other), ("this checkout", ROOT)):
                print(f"run {i + 1}/{a.runs}: {name}", flush=True)
                runs[name].append(measure(tree, tmp, a))
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, capture_output=True)  # noqa: S603, S607
        shutil.rmtree(tmp, ignore_errors=True)
    names = list(runs[a.rev][0])
    print(f"\n{'÷ bare hello (median)':<22}{a.rev[:12]:>14}{'this checkout':>16}{'change':>9}")
    for n in names:
        before = statistics.median(r[n] for r in runs[a.rev])
        after = statistics.median(r[n] for r in runs["this checkout"])
        print(f"{n:<22}{before:>14.4f}{after:>16.4f}{(after / before - 1) * 100:>8.1f}%")
    print(json.dumps(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
