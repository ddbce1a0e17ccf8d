"""Concurrency: two `lakehouse run` processes started at once over the same drop and warehouse end
in the state of one run: every table identical (content digest) to a single run's, no key twice,
no row lost (conservation audit), every file archived once, both runs SUCCEEDED.

What makes it hold: bronze inserts keyed on (content hash, row number), so the second insert of a
content adds nothing and its commit conflicts with the first (Delta optimistic concurrency); each
layer's step is retried whole on a conflict (shared.delta.retry_on_conflict); ledger entries are
keyed; watermarks only move forward; a file another run moved is not an error."""

from __future__ import annotations

import json
import shutil

import pytest

from lakehouse import conservation
from lakehouse.generate.drop import generate
from tests.state import digest, start_run
from tests.test_pipeline import lakehouse_run


@pytest.fixture(scope="module")
def drop(spark, tmp_path_factory):
    base = tmp_path_factory.mktemp("concurrency")
    generate(base / "drop", orders=120, days=2, seed=29, defects=0.05)
    shutil.copytree(base / "drop", base / "raw")
    assert lakehouse_run(base / "raw", base / "warehouse")["status"] == "SUCCEEDED"
    return {"drop": base / "drop", "digest": digest(spark, base / "warehouse")}


def concurrent_runs(drop, tmp_path, n: int) -> list[dict]:
    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse"
    shutil.copytree(drop["drop"], raw)
    processes = [start_run(raw, warehouse) for _ in range(n)]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=1200)
        summary = json.loads(out)
        summary["retries"] = err.count("concurrent commit")
        results.append(summary)
    return results


def check(spark, drop, tmp_path, results) -> None:
    assert [r["status"] for r in results] == ["SUCCEEDED"] * len(results), [r.get("error") for r in results]
    warehouse, raw = str(tmp_path / "warehouse"), tmp_path / "raw"
    assert digest(spark, warehouse) == drop["digest"]
    report = conservation.conservation(spark, warehouse, str(raw))
    assert report["ok"], report["violations"]
    assert not list(raw.rglob("*.csv"))
    moved = sorted(
        p.relative_to(tmp_path / zone).as_posix()
        for zone in ("archived", "quarantine")
        for p in (tmp_path / zone).rglob("*.csv")
    )
    assert moved == sorted(p.relative_to(drop["drop"]).as_posix() for p in drop["drop"].rglob("*.csv"))


def test_two_runs_at_once_end_as_one_run(spark, drop, tmp_path):
    results = concurrent_runs(drop, tmp_path, 2)
    check(spark, drop, tmp_path, results)
    print("conflicts retried:", [r["retries"] for r in results])


@pytest.mark.slow
@pytest.mark.parametrize("attempt", range(3))
def test_three_runs_at_once_end_as_one_run(spark, drop, tmp_path, attempt):
    check(spark, drop, tmp_path, concurrent_runs(drop, tmp_path, 3))
