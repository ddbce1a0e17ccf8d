"""Maintenance on a warehouse of several small runs: OPTIMIZE compacts (Z-ordered where chosen),
VACUUM keeps 7 days of time travel, and no table's data changes."""

from __future__ import annotations

import argparse
import datetime as dt
import json

import pytest
from delta.tables import DeltaTable

from lakehouse import maintain
from lakehouse.pipeline import run_pipeline
from shared import delta
from shared.warehouse import table_path
from tests.drops import header, write_drop

RUNS = 3


def drop(n: int) -> dict[str, str]:
    order = 100 + n
    return {
        f"products/p{n}.csv": header("products") + f"{n},4,Books,B{n}\n",
        f"orders/o{n}.csv": header("orders") + f"{n},{order},7,2025-04-01T10:00:00,1{n}.00,2025-04-01\n",
        f"order_items/i{n}.csv": header("order_items")
        + f"{n},{order},7,,{n},1,0,2025-04-01T10:00:00,2025-04-01\n",
    }


@pytest.fixture(scope="module")
def lake(spark, tmp_path_factory):
    base = tmp_path_factory.mktemp("maintain")
    warehouse = str(base / "warehouse")
    for n in range(1, RUNS + 1):
        write_drop(base / "raw", drop(n))
        summary = run_pipeline(
            spark, str(base / "raw"), warehouse, run_ts=dt.datetime(2025, 4, 2 + n, tzinfo=dt.UTC)
        )
        assert summary["status"] == "SUCCEEDED", summary.get("error")
    return warehouse


def contents(spark, warehouse: str, name: str) -> list[str]:
    rows = delta.read(spark, table_path(warehouse, *name.split(".", 1))).collect()
    return sorted(json.dumps(r.asDict(recursive=True), sort_keys=True, default=str) for r in rows)


def files(spark, warehouse: str, name: str) -> int:
    path = table_path(warehouse, *name.split(".", 1))
    return DeltaTable.forPath(spark, path).detail().select("numFiles").head()[0]


def test_a_retention_under_7_days_is_refused(spark, lake, capsys):
    version = delta.latest_version(spark, table_path(lake, "bronze", "orders"))
    with pytest.raises(ValueError, match="use at least 168"):
        maintain.maintain(spark, lake, retention_hours=167)
    parser = argparse.ArgumentParser()
    maintain.add_arguments(parser)
    assert maintain.run(parser.parse_args(["--warehouse", lake, "--retention-hours", "24"])) == 2
    assert "at least 168" in capsys.readouterr().err
    assert delta.latest_version(spark, table_path(lake, "bronze", "orders")) == version


def test_maintain_compacts_and_keeps_data_and_time_travel(spark, lake):
    bronze = table_path(lake, "bronze", "orders")
    names = [t["table"] for t in maintain.maintain(spark, lake, tables=["gold.daily_sales"])]
    assert names == ["gold.daily_sales"]
    everything = [f"{layer}.{t}" for layer, t in maintain.bookkeeping_tables(spark, lake)]
    assert everything == ["bronze._file_ledger", "silver._watermarks", "gold._watermarks"]
    tables = ["bronze.orders", "silver.orders", "silver.order_items", "silver.quarantine", *everything]
    before = {t: contents(spark, lake, t) for t in tables}
    first_run = spark.read.format("delta").option("versionAsOf", 1).load(bronze).count()
    assert files(spark, lake, "bronze.orders") >= RUNS

    report = {t["table"]: t for t in maintain.maintain(spark, lake)}

    assert set(everything) < set(report)
    orders = report["bronze.orders"]
    assert orders["zorder_by"] == ["_source_hash"] and orders["files_added"] == 1
    assert orders["files_removed"] == orders["files_before"] >= RUNS
    assert orders["files_after"] == files(spark, lake, "bronze.orders") == 1
    assert report["silver.order_items"]["zorder_by"] == ["order_id"]
    assert report["silver.orders"]["files_after"] < report["silver.orders"]["files_before"]
    assert report["bronze._file_ledger"]["files_after"] == 1
    assert {t: contents(spark, lake, t) for t in tables} == before
    # bronze stays append-only, and OPTIMIZE (dataChange=false) is invisible to its change feed
    properties = DeltaTable.forPath(spark, bronze).detail().select("properties").head()[0]
    assert properties["delta.appendOnly"] == "true"
    optimized = [
        c for c in DeltaTable.forPath(spark, bronze).history().collect() if c.operation == "OPTIMIZE"
    ]
    assert len(optimized) == 1
    feed = (
        spark.read.format("delta")
        .option("readChangeFeed", "true")
        .option("startingVersion", optimized[0].version)
    )
    assert feed.load(bronze).count() == 0
    # files younger than the retention stay: time travel to the first run still works
    assert spark.read.format("delta").option("versionAsOf", 1).load(bronze).count() == first_run
    # a second maintenance has nothing to do and adds no commit
    versions = {t: delta.latest_version(spark, table_path(lake, *t.split(".", 1))) for t in report}
    again = maintain.maintain(spark, lake)
    assert all(t["files_removed"] == t["files_added"] == t["files_vacuumed"] == 0 for t in again)
    assert {t: delta.latest_version(spark, table_path(lake, *t.split(".", 1))) for t in report} == versions


def test_vacuum_reports_the_files_it_deleted(spark, tmp_path):
    """Below 7 days only with Delta's own safety check off, as here on a scratch table: the count
    comes from the VACUUM END commit that logging adds to the history."""
    path = str(tmp_path / "t")
    for n in range(3):
        spark.createDataFrame([(n,)], "n int").coalesce(1).write.format("delta").mode("overwrite").save(path)
    with maintain.session_conf(spark, {"spark.databricks.delta.retentionDurationCheck.enabled": "false"}):
        assert maintain.vacuum(spark, path, 0) == 2
        assert maintain.vacuum(spark, path, 0) == 0
    operations = [r.operation for r in DeltaTable.forPath(spark, path).history().collect()]
    assert operations[:2] == ["VACUUM END", "VACUUM START"]
    assert spark.conf.get(maintain.VACUUM_LOGGING, None) is None
