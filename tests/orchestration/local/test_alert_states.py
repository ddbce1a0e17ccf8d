"""The project's own alert states (orchestration/statemachine.asl.json) on moto's interpreter: a
caught error with a Cause and one without both reach the alert with a message. The states are
taken from the real definition; only the SNS publish after them is left out (its input is the
message checked here)."""

from __future__ import annotations

import json

import pytest

from orchestration.package import asl_path
from tests.orchestration.local.test_moto_fixes import _run

ALERT_STATES = ("ErrorHasCause?", "AlertMessage", "AlertMessageWithoutCause")


def alert_machine() -> dict:
    states = json.loads(asl_path().read_text())["States"]
    machine = {name: dict(states[name]) for name in ALERT_STATES}
    for name in ("AlertMessage", "AlertMessageWithoutCause"):
        assert machine[name]["Next"] == "Alert"
        machine[name]["Next"] = "Published"
    machine["Published"] = {"Type": "Pass", "InputPath": "$.alert", "End": True}
    return {"StartAt": "ErrorHasCause?", "States": machine}


@pytest.mark.parametrize(
    "error, cause",
    [
        ({"Error": "States.TaskFailed", "Cause": "boom"}, "boom"),
        ({"Error": "States.Timeout"}, "(none given)"),
    ],
)
def test_an_alert_is_written_with_or_without_a_cause(client, error, cause):
    result = _run(client, alert_machine(), {"failed_state": "Bronze", "error": error})
    assert result["status"] == "SUCCEEDED", result
    alert = json.loads(result["output"])
    assert (alert["failed_state"], alert["error"], alert["cause"]) == ("Bronze", error["Error"], cause)
