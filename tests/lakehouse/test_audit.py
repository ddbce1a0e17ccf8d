"""Bronze audits on a two-run warehouse: history, time travel and the lineage of one raw file."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil

import pytest

from bronze.ingest import ingest_dataset
from lakehouse import audit
from lakehouse.pipeline import run_pipeline
from tests.drops import header, write_drop

ORDERS_1 = "orders/2025-04-01.csv"
FIRST = {
    "products/p.csv": header("products") + "1,4,Books,B\n",
    ORDERS_1: header("orders")
    + "1,100,7,2025-04-01T10:00:00,10.00,2025-04-01\n"  # accepted, superseded by run 2
    + "2,101,7,2025-04-01T11:00:00,11.00,2025-04-01\n"  # the winner of 101
    + "3,102,7,2025-04-01T11:00:00,x,2025-04-01\n"  # BAD_TYPE
    + "4,101,7,2025-04-01T09:00:00,9.00,2025-04-01\n",  # older duplicate of 101
    "order_items/2025-04-01.csv": header("order_items")
    + "1,101,7,,1,1,0,2025-04-01T11:00:00,2025-04-01\n"
    + "2,999,7,,1,1,0,2025-04-01T11:00:00,2025-04-01\n",  # orphan order: pending
}
SECOND = {
    "orders/2025-04-02.csv": header("orders") + "5,100,7,2025-04-01T12:00:00,20.00,2025-04-01\n",
    "orders/resent.csv": FIRST[ORDERS_1],  # the same content under another name: skipped
}


def at(day: int) -> dt.datetime:
    return dt.datetime(2025, 4, day, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def lake(spark, tmp_path_factory):
    base = tmp_path_factory.mktemp("audit")
    raw, warehouse = base / "raw", str(base / "warehouse")
    runs = []
    for day, drop in ((3, FIRST), (4, SECOND)):
        write_drop(raw, drop)
        summary = run_pipeline(spark, str(raw), warehouse, run_ts=at(day))
        assert summary["status"] == "SUCCEEDED", summary.get("error")
        runs.append(summary["run_id"])
    return {"base": base, "warehouse": warehouse, "runs": runs}


def test_history_shows_both_runs_newest_first(spark, lake):
    commits = audit.history(spark, lake["warehouse"], "bronze.orders")
    assert [(c["version"], c["run_id"], c["rows_added"]) for c in commits] == [
        (2, lake["runs"][1], 1),
        (1, lake["runs"][0], 4),
        (0, None, None),
    ]
    assert [c["operation"] for c in commits] == ["MERGE", "MERGE", "CREATE TABLE"]  # insert-only MERGEs
    assert commits[0]["timestamp"] >= commits[1]["timestamp"]


def test_snapshot_travels_to_a_version_or_an_instant(spark, lake):
    wh, (run1, run2) = lake["warehouse"], lake["runs"]
    old = audit.snapshot(spark, wh, "bronze.orders", version=1, sample=2)
    latest = audit.snapshot(spark, wh, "bronze.orders")
    assert (old["version"], old["rows"], old["rows_by_run"]) == (1, 4, {run1: 4})
    assert (latest["version"], latest["rows"], latest["rows_by_run"]) == (2, 5, {run1: 4, run2: 1})
    assert [(r["_source_file"], r["_row_number"]) for r in old["sample"]] == [(ORDERS_1, 1), (ORDERS_1, 2)]
    by_time = audit.snapshot(spark, wh, "bronze.orders", as_of=old["timestamp"])
    assert (by_time["version"], by_time["rows"]) == (1, 4)
    with pytest.raises(ValueError, match=r"no version 7: available versions are 0\.\.2"):
        audit.snapshot(spark, wh, "bronze.orders", version=7)
    with pytest.raises(ValueError, match="no commit at or before 2000-01-01"):
        audit.snapshot(spark, wh, "bronze.orders", as_of="2000-01-01")


def test_trace_counts_every_outcome_of_a_file(spark, lake):
    trace = audit.trace_file(spark, lake["warehouse"], ORDERS_1)
    assert [(e["action"], e["run_id"]) for e in trace["ledger"]] == [("ingest", lake["runs"][0])]
    assert trace["bronze"]["rows"] == 4
    assert [(c["version"], c["run_id"], c["rows"]) for c in trace["bronze"]["commits"]] == [
        (1, lake["runs"][0], 4)
    ]
    outcomes = {k: v for k, v in trace["outcomes"].items() if v}
    assert outcomes == {"silver": 1, "rejected": 1, "duplicate": 1, "superseded": 1}
    assert trace["reasons"] == {"rejected": {"BAD_TYPE": 1}}
    examples = {
        k: [(x["row_number"], x["values"]["order_id"]) for x in v] for k, v in trace["examples"].items()
    }
    assert examples == {"silver": [(2, "101")], "rejected": [(3, "102")], "duplicate": [(4, "101")],
                        "superseded": [(1, "100")]}  # fmt: skip


def test_trace_of_items_and_of_a_skipped_copy(spark, lake):
    items = audit.trace_file(spark, lake["warehouse"], "order_items/2025-04-01.csv")
    assert {k: v for k, v in items["outcomes"].items() if v} == {"silver": 1, "pending": 1}
    assert items["reasons"] == {"pending": {"ORPHAN_ORDER": 1}}
    copy = audit.trace_file(spark, lake["warehouse"], "./orders/resent.csv")
    assert [e["action"] for e in copy["ledger"]] == ["skip"]
    assert [(c["ingested_as"], c["rows"]) for c in copy["bronze"]["commits"]] == [(ORDERS_1, 4)]
    assert copy["outcomes"]["superseded"] == 1


def test_rows_silver_has_not_read_yet_are_unprocessed(spark, lake, tmp_path):
    warehouse = str(tmp_path / "warehouse")
    shutil.copytree(lake["warehouse"], warehouse)
    write_drop(
        tmp_path / "raw", {"orders/late.csv": header("orders") + "6,103,7,2025-04-01T12:00:00,1,2025-04-01\n"}
    )
    ingest_dataset(spark, str(tmp_path / "raw"), warehouse, "orders", "bronze-only", at(5))
    trace = audit.trace_file(spark, warehouse, "orders/late.csv")
    assert {k: v for k, v in trace["outcomes"].items() if v} == {"unprocessed": 1}
    assert trace["bronze"]["commits"][0]["version"] == 3


def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    audit.add_arguments(parser)
    return audit.run(parser.parse_args(list(argv)))


def test_cli_text_json_and_errors(lake, capsys):
    wh = ["--warehouse", lake["warehouse"]]
    assert cli("bronze.orders", *wh) == 0
    text = capsys.readouterr().out
    assert lake["runs"][0] in text and lake["runs"][1] in text and "CREATE TABLE" in text
    assert cli("bronze.orders", "--version", "1", *wh) == 0
    assert "bronze.orders as of version 1" in capsys.readouterr().out
    assert cli("--file", ORDERS_1, "--json", *wh) == 0
    assert json.loads(capsys.readouterr().out)["outcomes"]["duplicate"] == 1
    assert cli("--file", ORDERS_1, *wh) == 0
    assert "rejected" in capsys.readouterr().out
    assert cli("bronze.nope", *wh) == 2
    assert "no table 'bronze.nope'" in capsys.readouterr().err
    assert cli("--file", "orders/unknown.csv", *wh) == 2
    assert "no entry for 'orders/unknown.csv'" in capsys.readouterr().err
    assert cli("bronze.orders", "--file", ORDERS_1, *wh) == 2
