"""An earlier pending item readmitted in the same run as a new row with its id: the dedup winner
rule decides, the loser is a duplicate (checked against the reference oracle)."""

import datetime as dt
import shutil

import pytest

from lakehouse.pipeline import run_pipeline
from tests.drops import header, write_drop
from tests.reference import ReferenceLakehouse

RUN = dt.datetime(2025, 4, 5, tzinfo=dt.UTC)
ITEM = "1,99,5,,7,1,1,{ts},2025-04-01\n"


@pytest.mark.parametrize(
    "new_ts, winner", [("2025-04-01T09:00:00", "readmitted"), ("2025-04-01T11:00:00", "new")]
)
def test_new_row_and_readmitted_row_of_one_key(spark, tmp_path, new_ts, winner):
    first = {
        "products/p.csv": header("products") + "7,1,Books,B\n",
        "order_items/a.csv": header("order_items")
        + ITEM.format(ts="2025-04-01T10:00:00"),  # order 99 missing
    }
    second = {
        "orders/o.csv": header("orders") + "1,99,5,2025-04-01T10:00:00,10.00,2025-04-01\n",
        "order_items/b.csv": header("order_items") + ITEM.format(ts=new_ts),
    }
    reference = ReferenceLakehouse()
    summaries = []
    for n, files in enumerate((first, second)):
        raw, copy = tmp_path / "raw", tmp_path / f"copy{n}"
        write_drop(raw, files)
        write_drop(copy, files)
        expected = reference.run(copy, RUN)
        got = run_pipeline(spark, str(raw), str(tmp_path / "wh"), run_ts=RUN)
        summaries.append(got)
        for key in ("accepted", "duplicates", "pending", "readmitted", "rejected"):
            assert got["datasets"]["order_items"][key] == expected["datasets"]["order_items"][key], (n, key)
        shutil.rmtree(copy)
    items = summaries[1]["datasets"]["order_items"]
    assert items["readmitted"] == 1
    assert (items["accepted"], items["duplicates"]) == ((0, 1) if winner == "readmitted" else (1, 0))
