"""Shared by the tests that run the deployed state machine on the local AWS runtime (the `aws`
fixture, one runtime per module, is in conftest.py): a deployment per scenario, dropping files
and following the executions they start."""

from __future__ import annotations

import time

from orchestration import operate
from orchestration.demo import read_alerts, subscribe_alerts
from orchestration.deploy import deploy
from orchestration.target import Target


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


def final(target: Target, name: str, timeout: float = 900) -> dict:
    """Start an execution by hand (as an operator would after fixing a fault) and wait for its end."""
    return wait_for(target, operate.start(target, name), timeout)
