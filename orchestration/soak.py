"""`make demo-soak N=10` (`python -m orchestration.soak --runs N`): the quick start, N times in a row,
each `lakehouse demo --json` in a process of its own (a fresh local AWS runtime) with a fresh seed.
One line per run: status, files dropped, archived, quarantined and left in raw, wall time; then
the count. Exit 0 only when every run SUCCEEDED and left nothing in raw. Each run's log (stderr)
is kept under var/demo-soak/."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

LOGS = Path("var/demo-soak")


def passed(summary: dict) -> bool:
    return summary.get("execution_status") == "SUCCEEDED" and summary.get("left_in_raw") == 0


def one_run(index: int) -> tuple[dict, float]:
    LOGS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with open(LOGS / f"run-{index}.log", "w") as log:
        command = [sys.executable, "-m", "lakehouse.cli", "demo", "--json"]
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=log, text=True)
    wall = time.monotonic() - started
    try:
        summary = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        summary = {"execution_status": f"NO SUMMARY (exit {done.returncode})"}
    return summary, wall


def line(index: int, summary: dict, wall: float) -> str:
    counts = ("dropped", "archived", "quarantined", "left_in_raw")
    files = " ".join(f"{k} {summary.get(k, '?')}" for k in counts)
    return (
        f"run {index}: {summary['execution_status']:<9} seed {summary.get('seed', '?')}, {files}, "
        f"{wall:.0f} s{'' if passed(summary) else '  <-- FAILED'}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    good = 0
    for index in range(1, args.runs + 1):
        summary, wall = one_run(index)
        good += passed(summary)
        print(line(index, summary, wall), flush=True)
    print(f"{good} of {args.runs} SUCCEEDED with nothing left in raw")
    return 0 if good == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())
