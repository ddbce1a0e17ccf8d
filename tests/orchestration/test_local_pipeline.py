"""The deployed system end to end on the local AWS runtime: the real template deployed by the real
deploy code, files dropped into the raw bucket, EventBridge starting the real state machine, Glue
job runs as local Spark processes, Athena checks on the local engine. Each scenario gets its own
environment (stack, buckets, lock) on one runtime."""

from __future__ import annotations

import json
import time

import pytest

from orchestration import operate
from orchestration.demo import poison, read_alerts, subscribe_alerts
from orchestration.deploy import deploy
from orchestration.local.server import LocalAws
from orchestration.target import Target
from shared.generate import generate
from tests.drops import header, write_drop


@pytest.fixture(scope="module")
def aws(tmp_path_factory):
    with LocalAws(port=None, workdir=tmp_path_factory.mktemp("local-aws")) as runtime:
        yield runtime


def deployed(aws, env: str, **parameters) -> Target:
    deploy(env, aws.endpoint, {"MapConcurrency": "1", **parameters}, log=lambda _: None)
    return Target(env, aws.endpoint)


def run_drop(target: Target, folder) -> tuple[list[dict], list[str], dict]:
    alerts = subscribe_alerts(target)
    started = time.time() - 1
    operate.drop(target, [folder])
    finals = operate.follow(target, lambda *_: None, started, timeout=1200)
    histories = {f["name"]: operate.history(target, f["executionArn"]) for f in finals}
    return finals, read_alerts(target, alerts), histories


def wait_for(target: Target, arn: str, timeout: float = 120) -> dict:
    sfn, deadline = target.client("stepfunctions"), time.monotonic() + timeout
    while (found := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, f"{arn} still RUNNING"
        time.sleep(0.5)
    return found


def work_windows(histories: dict) -> list[tuple[str, float, float]]:
    """(execution, first job state entered, last job state exited) of executions that ran jobs."""
    windows = []
    for name, events in histories.items():
        stamps = [
            e["timestamp"].timestamp()
            for e in events
            if (e.get("stateEnteredEventDetails") or e.get("stateExitedEventDetails") or {}).get("name")
            in ("Bronze", "Gold")
        ]
        if stamps:
            windows.append((name, min(stamps), max(stamps)))
    return windows


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

    # A manual start with nothing pending skips the jobs and succeeds.
    arn = operate.start(target, "manual-nothing-pending")
    final = wait_for(target, arn)
    assert final["status"] == "SUCCEEDED"
    entered = {(e.get("stateEnteredEventDetails") or {}).get("name") for e in operate.history(target, arn)}
    assert "Detect" in entered and not entered & {"Bronze", "SilverParents", "Gold", "Archive"}


def test_a_job_failure_alerts_and_archives_nothing(aws, tmp_path):
    target = deployed(aws, "poisoned")
    drop = tmp_path / "drop"
    generate(drop, orders=50, days=1, seed=3)
    poison(target)  # an object in GLACIER: the bronze job cannot read it
    finals, alerts, _ = run_drop(target, drop)

    assert "FAILED" in {f["status"] for f in finals}
    alert = json.loads(alerts[0])
    assert alert["failed_state"] == "Bronze" and alert["error"] == "States.TaskFailed"
    assert "poisoned" in alert["execution"] or alert["cause"]
    assert operate.list_keys(target, "archived/") == []
    assert len(operate.list_keys(target, "raw/")) == len(list(drop.rglob("*.csv"))) + 1


def test_a_task_timeout_is_caught_and_alerted(aws, tmp_path):
    target = deployed(aws, "slow", JobTimeoutSeconds="2")
    drop = tmp_path / "drop"
    generate(drop, orders=20, days=1, seed=5)
    finals, alerts, _ = run_drop(target, drop)

    # The lock holder times out; executions that handed over to it end SUCCEEDED (their files
    # stay in raw for the next run, as the holder archives nothing).
    assert "FAILED" in {f["status"] for f in finals}
    assert alerts and all(json.loads(a)["failed_state"] == "Bronze" for a in alerts)
    assert {json.loads(a)["error"] for a in alerts} == {"States.Timeout"}
    assert operate.list_keys(target, "archived/") == []
    assert len(operate.list_keys(target, "raw/")) == len(list(drop.rglob("*.csv")))


def test_a_failed_validation_check_fails_the_run_with_an_alert(aws, tmp_path):
    target = deployed(aws, "dirty")
    good = "".join(f"{n},{n},1,2025-04-01T10:00:00,12.50,2025-04-01\n" for n in range(1, 5))
    bad = "".join(f"{n},{n},1,2025-04-01T10:00:00,-1,2025-04-01\n" for n in range(5, 11))  # amount < 0
    write_drop(tmp_path / "drop", {"orders/o.csv": header("orders") + good + bad})
    finals, alerts, histories = run_drop(target, tmp_path / "drop")

    assert {f["status"] for f in finals} == {"FAILED"}
    alert = json.loads(alerts[0])
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
