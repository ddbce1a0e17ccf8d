"""Crash safety: `lakehouse run` killed with SIGKILL (driver and JVM) at a random point inside
bronze, silver, gold or the archive step. Right after the kill, what readers see is consistent
(every bronze row accounted for, no file archived before its rows were committed); after a rerun
every table is identical (content digest) to a crash-free run's and nothing is left in raw.

Four trials (one per phase) run by default, twenty more with `make test-slow`. Each trial's seed
is in its id: a failure replays with `-k <id>`."""

from __future__ import annotations

import random
import shutil
import threading
import time

import pytest

from lakehouse import conservation
from lakehouse.generate.drop import generate
from tests.state import digest, kill, start_run
from tests.test_pipeline import lakehouse_run

PHASES = ("bronze", "silver", "gold", "archive")
# After the phase's marker on stderr, the kill comes within this many seconds (archive: after
# the k-th file moved, k at random).
WINDOW = {"bronze": 3.0, "silver": 4.0, "gold": 2.0}
# Recoverable by the next run, not seen by readers: rows of a bronze commit whose ledger entry the
# crash prevented (bronze.ledger.recover records them).
RECOVERABLE = "bronze_contents_unknown"


@pytest.fixture(scope="module")
def baseline(spark, tmp_path_factory):
    base = tmp_path_factory.mktemp("crash")
    generate(base / "drop", orders=120, days=2, seed=23, defects=0.05)
    raw, warehouse = base / "raw", base / "warehouse"
    shutil.copytree(base / "drop", raw)
    assert lakehouse_run(raw, warehouse)["status"] == "SUCCEEDED"
    return {"drop": base / "drop", "digest": digest(spark, warehouse)}


def crash(raw, warehouse, phase: str, rng: random.Random) -> str:
    """Start a run, kill it inside `phase`; returns the last progress line it printed."""
    process = start_run(raw, warehouse)
    lines: list[str] = []
    marker = threading.Event()
    moves = rng.randint(1, 6)

    def watch():
        for line in process.stderr:
            lines.append(line.strip())
            if phase == "archive":
                hit = sum("moved " in x for x in lines) >= moves or ": succeeded" in line
            else:
                hit = f": {phase}" in line
            if hit:
                marker.set()
        marker.set()  # the run ended (or failed to start): the assertion below says so

    threading.Thread(target=watch, daemon=True).start()
    assert marker.wait(600) and process.poll() is None, f"no {phase} marker: {lines[-5:]}"
    if phase != "archive":
        time.sleep(rng.uniform(0, WINDOW[phase]))
    assert process.poll() is None, f"the run ended before the kill: {lines[-3:]}"
    kill(process)
    return next((x for x in reversed(lines) if "lakehouse" in x), "")


def trial(spark, baseline, tmp_path, phase: str, seed: int) -> None:
    rng = random.Random(seed)
    raw, warehouse = tmp_path / "raw", str(tmp_path / "warehouse")
    shutil.copytree(baseline["drop"], raw)
    last = crash(raw, warehouse, phase, rng)

    seen = conservation.conservation(spark, warehouse, str(raw))
    assert [v for v in seen["violations"] if RECOVERABLE not in v] == [], (last, seen["violations"])

    assert lakehouse_run(raw, warehouse)["status"] == "SUCCEEDED"
    assert digest(spark, warehouse) == baseline["digest"], last
    after = conservation.conservation(spark, warehouse, str(raw))
    assert after["ok"], after["violations"]
    assert not [p for p in raw.rglob("*.csv")], "every file left the raw zone"


# One kill point in `make test` (bronze, the shortest trial); the others are slow: each trial is a
# whole pipeline run killed and rerun (4 to 7 minutes on 2 cores beside the other tests).
@pytest.mark.parametrize(
    "phase", [p if p == "bronze" else pytest.param(p, marks=pytest.mark.slow) for p in PHASES]
)
def test_a_killed_run_recovers_to_the_crash_free_state(spark, baseline, tmp_path, phase):
    trial(spark, baseline, tmp_path, phase, seed=PHASES.index(phase))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(100, 120))
def test_twenty_more_kills_at_random_points(spark, baseline, tmp_path, seed):
    trial(spark, baseline, tmp_path, PHASES[seed % len(PHASES)], seed)
