"""Shared by the tests that run the deployed state machine on the local AWS runtime (the `aws`
fixture, one runtime per module, is in conftest.py): a deployment per scenario, dropping files
and following the executions they start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from orchestration import operate
from orchestration.demo import read_alerts, subscribe_alerts
from orchestration.deploy import deploy
from orchestration.target import LOCAL_CREDENTIALS, Target
from shared.spark import S3_ENDPOINT_ENV


def deployed(aws, env: str, **parameters) -> Target:
    deploy(env, aws.endpoint, parameters, log=lambda _: None)
    return Target(env, aws.endpoint)


def run_drop(
    target: Target, folder, started: float | None = None, timeout: float = 1200
) -> tuple[list[dict], list[str], dict]:
    """Drop a folder and follow every execution started since `started` (default: now) to its end."""
    alerts = subscribe_alerts(target)
    started = started or time.time() - 1
    operate.drop(target, [folder])
    finals = operate.follow(target, lambda *_: None, started, timeout=timeout)
    histories = {f["name"]: operate.history(target, f["executionArn"]) for f in finals}
    return finals, read_alerts(target, alerts), histories


def caught_alerts(alerts: list[str]) -> list[dict]:
    """The state machine's own alerts (JSON: the failed state, the error and its cause)."""
    return [alert for alert in map(json.loads, alerts) if isinstance(alert, dict)]


def run_ended_alerts(alerts: list[str]) -> list[str]:
    """The EventBridge rule's alerts on executions that ended FAILED, TIMED_OUT or ABORTED."""
    return [alert for alert in map(json.loads, alerts) if isinstance(alert, str)]


def assert_each_failure_alerted(finals: list[dict], alerts: list[str]) -> None:
    """Every execution that ended FAILED has the rule's alert naming it."""
    ended = run_ended_alerts(alerts)
    for failed in (f for f in finals if f["status"] == "FAILED"):
        assert f"execution {failed['executionArn']} ended FAILED:" in " ".join(ended), ended


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


def final(target: Target, name: str, timeout: float = 900) -> dict:
    """Start an execution by hand (as an operator would after fixing a fault) and wait for its end."""
    return wait_for(target, operate.start(target, name), timeout)


def conservation(target: Target) -> dict:
    """`lakehouse audit --conservation` on the deployment's buckets (its own Spark, S3A to the
    runtime, as a Glue job's): every bronze row in one place, every file where it belongs."""
    raw, dwh = target.outputs["RawBucket"], target.outputs["DwhBucket"]
    env = {**os.environ, **LOCAL_CREDENTIALS, S3_ENDPOINT_ENV: target.endpoint}
    command = [sys.executable, "-m", "lakehouse.cli", "audit", "--conservation", "--json"]
    command += ["--warehouse", f"s3://{dwh}/warehouse", "--raw", f"s3://{raw}/raw"]
    done = subprocess.run(
        command, env=env, cwd=Path(__file__).parents[2], capture_output=True, text=True, timeout=900
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return json.loads(done.stdout)


def assert_conserved(target: Target) -> None:
    report = conservation(target)
    assert report["ok"], report["violations"]
