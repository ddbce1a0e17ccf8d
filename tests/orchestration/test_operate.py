"""orchestration.operate's readings of an execution's history."""

from __future__ import annotations

import json

from orchestration import operate


def exited(name: str, output: dict | None = None) -> dict:
    return {"stateExitedEventDetails": {"name": name, "output": json.dumps(output) if output else None}}


def entered(name: str) -> dict:
    return {"stateEnteredEventDetails": {"name": name}}


def test_only_passes_that_ran_the_jobs_have_run_ids():
    events = [
        exited("NewPass", {"run": {"run_id": "r-1"}}),
        entered("Detect"),
        entered("Bronze"),
        entered("Bronze"),  # a retry of the state: still one pass
        exited("NewPass", {"run": {"run_id": "r-2"}}),
        entered("Detect"),  # nothing found: no job, no report
        exited("NewPass", {"run": {"run_id": "r-3"}}),
        entered("Bronze"),
    ]
    assert operate.pass_run_ids(events) == ["r-1", "r-3"]
    assert operate.pass_run_ids([]) == []
