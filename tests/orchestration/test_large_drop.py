"""A drop of 1,501 small files through the deployed pipeline on the local runtime (slow: `make
test-slow`): one upload each, so 1,501 executions start, one holds the lock and runs the passes
while the others hand over; every file is archived, no execution fails (no history or payload
quota is reached: the 25,000-event and 256 KB limits are enforced here as on AWS), and every
row is accounted for."""

from __future__ import annotations

import time

import pytest

from orchestration import operate
from shared.generate import generate
from tests.orchestration.pipeline import assert_conserved, deployed

DAYS = 750  # products once, orders and order items per day: 1 + 2 x 750 files


def _executions(target, status: str | None = None) -> list[dict]:
    sfn = target.client("stepfunctions")
    pages = sfn.get_paginator("list_executions").paginate(
        stateMachineArn=target.outputs["StateMachineArn"], **({"statusFilter": status} if status else {})
    )
    return [e for page in pages for e in page["executions"]]


def _settled(target, expected: int, timeout: float = 5400) -> list[dict]:
    """Every execution once `expected` have started and none is running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _executions(target)
        if len(found) >= expected and not any(e["status"] == "RUNNING" for e in found):
            return found
        time.sleep(5)
    raise TimeoutError(f"executions still running after {timeout} s")


@pytest.mark.slow
def test_a_drop_of_1501_files_is_archived_whole_with_no_quota_error(aws, tmp_path):
    target = deployed(aws, "large")
    drop = tmp_path / "drop"
    manifest = generate(drop, orders=DAYS, days=DAYS, seed=1500)
    files = list(drop.rglob("*.csv"))
    assert len(files) == 1 + 2 * DAYS

    started = time.monotonic()
    operate.drop(target, [drop])
    found = _settled(target, expected=len(files))
    elapsed = time.monotonic() - started

    statuses = {e["status"] for e in found}
    assert statuses == {"SUCCEEDED"}, [(e["name"], e["status"]) for e in found if e["status"] != "SUCCEEDED"]
    assert operate.list_keys(target, "raw/") == []
    assert len(operate.list_keys(target, "archived/")) == len(files)
    for dataset in ("orders", "order_items"):
        counted = operate.athena_query(target, f"select count(*) from silver.{dataset}")
        assert counted["rows"] == [[str(manifest["datasets"][dataset]["accepted"])]], counted
    assert_conserved(target)
    print(f"{len(files)} files, {len(found)} executions: {elapsed:.0f} s")
