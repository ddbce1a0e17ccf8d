"""The deployed system end to end on the local AWS runtime: the real template deployed by the real
deploy code, files dropped into the raw bucket, EventBridge starting the real state machine, Glue
job runs as local Spark processes, Athena checks on the local engine. Each scenario gets its own
environment (stack, buckets, lock) on one runtime."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from lakehouse.generate.drop import generate
from orchestration import operate
from orchestration.demo import build_reports
from tests.drops import header, write_drop
from tests.orchestration.pipeline import (
    assert_conserved,
    caught_alerts,
    deployed,
    run_drop,
    wait_for,
    work_windows,
)


def test_a_drop_runs_end_to_end_through_the_deployed_state_machine(aws, tmp_path):
    target = deployed(aws, "happy")
    drop = tmp_path / "drop"
    manifest = generate(drop, orders=300, days=2, defects=0.03, seed=20261126)
    finals, alerts, histories = run_drop(target, drop)

    assert {f["status"] for f in finals} == {"SUCCEEDED"}, alerts
    assert alerts == []
    # One upload per file, one execution per upload: a burst. One execution held the lock at a
    # time (their job windows never overlap) and the others handed over.
    assert len(finals) == len(list(drop.rglob("*.csv")))
    windows = sorted(work_windows(histories), key=lambda w: w[1])
    assert all(a[2] <= b[1] for a, b in zip(windows, windows[1:], strict=False))
    # Nothing missed: raw is empty, every file is archived or quarantined.
    assert operate.list_keys(target, "raw/") == []
    moved = operate.list_keys(target, "archived/") + [
        k for k in operate.list_keys(target, "quarantine/") if k.endswith(".csv")
    ]
    assert len(moved) == len(list(drop.rglob("*.csv")))
    # The per-dataset counts are the generator's expected outcome.
    run_ids = [run_id for events in histories.values() for run_id in operate.pass_run_ids(events)]
    # Summed over the passes: an item pending in the pass before its order arrived is readmitted
    # in the next one, so one run's `pending` is the passes' pending less their readmitted.
    counts = operate.run_reports(target, run_ids)
    for dataset, expected in manifest["datasets"].items():
        got = counts[dataset]
        for field in ("rows_read", "rejected", "duplicates"):
            assert got[field] == expected[field], (dataset, field)
        assert got["pending"] - got.get("readmitted", 0) == expected["pending"], dataset
        assert got["accepted"] + got.get("readmitted", 0) == expected["accepted"], dataset
    # Each pass's run report, built from its jobs' reports in the warehouse bucket (as `make demo`
    # does): its counts are the pass's.
    pages = build_reports(target, run_ids, tmp_path / "reports", sys.stderr)
    assert len(pages) == len(run_ids)
    reports = [json.loads(Path(page).with_suffix(".json").read_text(encoding="utf-8")) for page in pages]
    assert {r["summary"]["status"] for r in reports} == {"SUCCEEDED"}
    for dataset in manifest["datasets"]:
        for field in ("files", "rows_read", "accepted", "rejected", "duplicates", "pending"):
            shown = sum(r["summary"]["datasets"][dataset][field] for r in reports)
            assert shown == counts[dataset][field], (dataset, field)
    assert (
        sum(day["orders"] for day in reports[-1]["daily_sales"]) == manifest["datasets"]["orders"]["accepted"]
    )
    validation = [
        check
        for events in histories.values()
        for check in (operate.state_output(events, "RunChecks") or {}).get("validation", [])
    ]
    assert validation and all(check["passed"] for check in validation)
    gold = operate.athena_query(
        target, "select count(*) as days, sum(orders) as orders from gold.daily_sales"
    )
    assert gold["rows"] == [["2", str(manifest["datasets"]["orders"]["accepted"])]]
    assert_conserved(target)

    # A manual start with nothing pending skips the jobs and succeeds.
    arn = operate.start(target, "manual-nothing-pending")
    final = wait_for(target, arn)
    assert final["status"] == "SUCCEEDED"
    entered = {(e.get("stateEnteredEventDetails") or {}).get("name") for e in operate.history(target, arn)}
    assert "Detect" in entered and not entered & {"Bronze", "SilverParents", "Gold", "Archive"}


def test_a_failed_validation_check_fails_the_run_with_an_alert(aws, tmp_path):
    target = deployed(aws, "dirty")
    good = "".join(f"{n},{n},1,2025-04-01T10:00:00,12.50,2025-04-01\n" for n in range(1, 5))
    bad = "".join(f"{n},{n},1,2025-04-01T10:00:00,-1,2025-04-01\n" for n in range(5, 11))  # amount < 0
    write_drop(tmp_path / "drop", {"orders/o.csv": header("orders") + good + bad})
    finals, alerts, histories = run_drop(target, tmp_path / "drop")

    assert {f["status"] for f in finals} == {"FAILED"}
    alert = caught_alerts(alerts)[0]
    assert alert["failed_state"] == "Validate" and alert["error"] == "ValidationFailed"
    checks = {
        c["name"]: c["passed"]
        for e in histories.values()
        for c in (operate.state_output(e, "RunChecks") or {}).get("validation", [])
    }
    assert checks == {
        "pk_unique_silver": True,
        "ri_silver_order_items": True,
        "gold_reconciliation": True,
        "rejected_ratio": False,
    }
    # The checks run before the archive: a failing one leaves every file in raw.
    assert operate.list_keys(target, "archived/") == []
    assert len(operate.list_keys(target, "raw/")) == 1
    assert_conserved(target)


def test_a_first_pass_without_order_items_validates_its_empty_tables_and_succeeds(aws, tmp_path):
    """The order of events of a first drop: products and orders arrive, a pass runs and validates
    before any order item exists. Every table the checks read exists (empty where no data came),
    so Athena finds it, the checks pass and the files are archived; the items follow in a later pass."""
    target = deployed(aws, "firstpass")
    drop = tmp_path / "drop"
    generate(drop, orders=40, days=1, seed=11)
    items = tmp_path / "later" / "order_items"
    items.parent.mkdir()
    (drop / "order_items").rename(items)
    finals, alerts, histories = run_drop(target, drop)

    assert {f["status"] for f in finals} == {"SUCCEEDED"}, alerts
    checks = [
        c
        for e in histories.values()
        for c in (operate.state_output(e, "RunChecks") or {}).get("validation", [])
    ]
    assert checks and all(c["passed"] for c in checks), checks
    assert operate.list_keys(target, "raw/") == []
    empty = operate.athena_query(target, "select count(*) from silver.order_items")
    assert empty["state"] == "SUCCEEDED" and empty["rows"] == [["0"]]

    finals, alerts, _ = run_drop(target, items)
    assert {f["status"] for f in finals} == {"SUCCEEDED"}, alerts
    assert operate.list_keys(target, "raw/") == []
    assert_conserved(target)
