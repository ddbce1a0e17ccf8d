"""One drop of 1,500 small files through the deployed state machine on the local runtime, with
Step Functions' quotas enforced: each upload starts an execution (all but one hand their files
over to the lock's holder), every file is ingested and archived, no execution fails, and none
comes near 25,000 history events or 256 KB of payload. Slow: `make test-slow`."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lakehouse.generate.drop import generate
from orchestration import operate
from tests.orchestration.pipeline import assert_conserved, deployed, run_drop

pytestmark = pytest.mark.slow

DAYS = 750  # an orders and an order-items file a day, and the products file: 1,501 files
# Every day in the past: a future order_timestamp is BAD_TIMESTAMP, and with the generator's default
# start (2025-04-01) 750 days reach past today (the first run failed the rejected_ratio check so).
START = date.today() - timedelta(days=DAYS + 30)
HISTORY_QUOTA = 25_000


def test_a_drop_of_1500_files_is_ingested_and_archived_within_the_quotas(aws, tmp_path):
    target = deployed(aws, "large")
    drop = tmp_path / "drop"
    generate(drop, orders=DAYS, days=DAYS, seed=15, defects=0, start_date=START.isoformat())
    files = {p.relative_to(drop).as_posix() for p in drop.rglob("*.csv")}
    assert len(files) >= 1500

    finals, alerts, histories = run_drop(target, drop, timeout=5400)

    assert {f["status"] for f in finals} == {"SUCCEEDED"}, alerts[:5]
    assert len(finals) == len(files)  # one execution an upload
    assert alerts == []
    longest = max(len(events) for events in histories.values())
    assert longest < HISTORY_QUOTA / 2, longest
    assert operate.list_keys(target, "raw/") == []
    archived = {key.split("/", 2)[2] for key in operate.list_keys(target, "archived/")}
    assert archived == files
    assert_conserved(target)
