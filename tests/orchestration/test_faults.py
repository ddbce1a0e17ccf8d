"""Orchestration faults on the deployed state machine (local AWS runtime): a Glue job failure, a
Glue job timeout, a failed Athena validation query and an archive failure each take their Catch
path, publish one alert naming the failed state, archive nothing that was not safely moved, and
the next run (started by hand, as an operator does once the fault is fixed) succeeds and leaves
the raw zone empty."""

from __future__ import annotations

import time

import pytest

from lakehouse.generate.drop import generate
from orchestration import operate
from orchestration.demo import poison, read_alerts, subscribe_alerts
from tests.orchestration.pipeline import (
    assert_conserved,
    assert_each_failure_alerted,
    caught_alerts,
    deployed,
    final,
    run_drop,
)


def csv_count(drop) -> int:
    return len(list(drop.rglob("*.csv")))


def recovered(target, drop) -> None:
    """The next run succeeds and every dropped file ends archived (none left in raw)."""
    assert final(target, "recovery")["status"] == "SUCCEEDED"
    assert operate.list_keys(target, "raw/") == []
    assert len({k.split("/", 2)[2] for k in operate.list_keys(target, "archived/")}) == csv_count(drop)
    assert_conserved(target)


def test_a_job_failure_alerts_archives_nothing_and_the_next_run_recovers(aws, tmp_path):
    target = deployed(aws, "poisoned")
    drop = tmp_path / "drop"
    generate(drop, orders=50, days=1, seed=3)
    started = time.time() - 1
    poison(target)  # an object in GLACIER: the bronze job cannot read it (its upload starts a run)
    finals, alerts, _ = run_drop(target, drop, started)

    assert "FAILED" in {f["status"] for f in finals}
    alert = caught_alerts(alerts)[0]
    assert alert["failed_state"] == "Bronze" and alert["error"] == "States.TaskFailed"
    assert_each_failure_alerted(finals, alerts)
    assert operate.list_keys(target, "archived/") == []
    assert len(operate.list_keys(target, "raw/")) == csv_count(drop) + 1

    # The operator removes the unreadable object; the next run takes every file.
    target.client("s3").delete_object(Bucket=target.outputs["RawBucket"], Key="raw/orders/poisoned.csv")
    recovered(target, drop)


@pytest.mark.slow  # 7 to 10 minutes on 2 cores: `make test-slow`
def test_a_task_timeout_is_caught_alerted_and_the_next_run_recovers(aws, tmp_path):
    target = deployed(aws, "slow", JobTimeoutSeconds="2")
    drop = tmp_path / "drop"
    generate(drop, orders=20, days=1, seed=5)
    finals, alerts, _ = run_drop(target, drop)

    # The lock holder times out; executions that handed over to it end SUCCEEDED (their files
    # stay in raw for the next run, as the holder archives nothing).
    assert "FAILED" in {f["status"] for f in finals}
    caught = caught_alerts(alerts)
    assert caught and all(a["failed_state"] == "Bronze" for a in caught)
    assert {a["error"] for a in caught} == {"States.Timeout"}
    assert_each_failure_alerted(finals, alerts)
    # The timed-out task stopped its job run, as Step Functions does.
    runs = target.client("glue").get_job_runs(JobName=target.outputs["BronzeJob"])["JobRuns"]
    assert "STOPPED" in {run["JobRunState"] for run in runs}, [run["JobRunState"] for run in runs]
    assert operate.list_keys(target, "archived/") == []
    assert len(operate.list_keys(target, "raw/")) == csv_count(drop)

    deployed(aws, "slow", JobTimeoutSeconds="1800")  # the fix: a realistic timeout
    recovered(target, drop)


@pytest.mark.slow  # 7 to 10 minutes on 2 cores: `make test-slow`
def test_a_failed_athena_query_alerts_archives_nothing_and_the_next_run_recovers(aws, tmp_path):
    target = deployed(aws, "athena")
    s3, artifacts = target.client("s3"), target.outputs["ArtifactsBucket"]
    (key,) = [
        k
        for k in operate.list_keys(target, "code/", "ArtifactsBucket")
        if k.endswith("/pk_unique_silver.sql")
    ]
    good = s3.get_object(Bucket=artifacts, Key=key)["Body"].read()
    s3.put_object(Bucket=artifacts, Key=key, Body=b"select count(*) as failures from no_such_table")
    drop = tmp_path / "drop"
    generate(drop, orders=20, days=1, seed=9)
    finals, alerts, histories = run_drop(target, drop)

    assert "FAILED" in {f["status"] for f in finals}
    alert = caught_alerts(alerts)[0]
    assert alert["failed_state"] == "Validate" and alert["error"] == "ValidationFailed"
    checks = {
        c["name"]: c
        for events in histories.values()
        for c in (operate.state_output(events, "RunChecks") or {}).get("validation", [])
    }
    assert checks["pk_unique_silver"]["failures"] == "query failed"
    assert "no_such_table" in checks["pk_unique_silver"]["detail"].lower()
    assert operate.list_keys(target, "archived/") == []
    assert len(operate.list_keys(target, "raw/")) == csv_count(drop)

    s3.put_object(Bucket=artifacts, Key=key, Body=good)
    recovered(target, drop)


def test_an_archive_failure_alerts_loses_nothing_and_the_next_run_recovers(aws, tmp_path):
    target = deployed(aws, "archive")
    s3, raw = target.client("s3"), target.outputs["RawBucket"]
    drop = tmp_path / "drop"
    generate(drop, orders=20, days=1, seed=7)
    victim = sorted(p for p in drop.rglob("*.csv") if p.parent.name == "order_items")[0]
    key = f"raw/order_items/{victim.name}"
    alerts = subscribe_alerts(target)
    frozen = []

    def freeze(_, event):  # once the checks run, the file becomes unreadable: its copy will fail
        if (event.get("stateEnteredEventDetails") or {}).get("name") == "RunChecks" and not frozen:
            s3.copy_object(
                Bucket=raw, Key=key, CopySource={"Bucket": raw, "Key": key}, StorageClass="GLACIER"
            )
            frozen.append(key)

    started = time.time() - 1
    operate.drop(target, [drop])
    finals = operate.follow(target, freeze, started, timeout=1200)

    assert frozen and "FAILED" in {f["status"] for f in finals}
    sent = read_alerts(target, alerts)
    assert "Archive" in {a["failed_state"] for a in caught_alerts(sent)}
    assert_each_failure_alerted(finals, sent)
    # Nothing lost: each file is archived or still in raw, and the frozen one was kept in raw.
    in_raw, archived = operate.list_keys(target, "raw/"), operate.list_keys(target, "archived/")
    assert key in in_raw
    names = {k.split("/", 1)[1] for k in in_raw} | {k.split("/", 2)[2] for k in archived}
    assert names == {p.relative_to(drop).as_posix() for p in drop.rglob("*.csv")}

    # The producer re-sends the file; the run that upload starts archives what was left.
    started = time.time() - 1
    s3.put_object(Bucket=raw, Key=key, Body=victim.read_bytes())
    finals = operate.follow(target, lambda *_: None, started, timeout=900)
    assert {f["status"] for f in finals} == {"SUCCEEDED"}
    assert operate.list_keys(target, "raw/") == []
    assert len({k.split("/", 2)[2] for k in operate.list_keys(target, "archived/")}) == csv_count(drop)
    assert_conserved(target)
