"""The storage census the benchmark reports, on a small real Delta table."""

from __future__ import annotations

import datetime as dt

import pytest
from delta.tables import DeltaTable

from lakehouse.bench.layout import commits, files_per_partition, merge_rewrites
from shared.warehouse import table_path

DAY1, DAY2 = dt.date(2025, 4, 1), dt.date(2025, 4, 2)


@pytest.fixture
def orders(spark, tmp_path):
    """silver.orders-shaped: two dates written in two appends (one file each)."""
    warehouse = str(tmp_path)
    path = table_path(warehouse, "silver", "orders")
    for rows in ([(1, DAY1), (2, DAY1)], [(3, DAY2)]):
        frame = spark.createDataFrame(rows, "order_id long, date date").coalesce(1)
        frame.write.format("delta").mode("append").partitionBy("date").save(path)
    return warehouse, path


def test_a_merge_rewrites_only_the_file_of_the_matched_partition(spark, orders):
    warehouse, path = orders
    update = spark.createDataFrame([(3, DAY2)], "order_id long, date date")
    table = DeltaTable.forPath(spark, path).alias("t")
    table.merge(update.alias("s"), "t.order_id = s.order_id").whenMatchedUpdateAll().execute()
    merge = commits(spark, path, 2, 2)
    assert merge == [
        {
            "version": 2,
            "operation": "MERGE",
            "files_removed": 1,
            "files_added": 1,
            "partitions_rewritten": ["date=2025-04-02"],
        }
    ]
    assert merge_rewrites(spark, warehouse, {"silver.orders": 1}) == {"silver.orders": merge}


def test_appends_rewrite_nothing(spark, orders):
    _, path = orders
    assert [c["files_removed"] for c in commits(spark, path, 0, 1)] == [0, 0]
    assert [c["partitions_rewritten"] for c in commits(spark, path, 0, 1)] == [[], []]


def test_files_and_bytes_per_partition_count_the_current_snapshot_only(spark, orders):
    warehouse, path = orders
    spark.createDataFrame([(4, DAY1)], "order_id long, date date").write.format("delta").mode(
        "overwrite"
    ).option("replaceWhere", "date = DATE'2025-04-01'").save(path)
    census = files_per_partition(spark, warehouse)["silver.orders"]
    assert census["partitions"] == 2
    assert {k: v["files"] for k, v in census["by_partition"].items()} == {
        "date=2025-04-01": 1,
        "date=2025-04-02": 1,
    }
    assert census["max_files_per_partition"] == 1
    assert census["bytes"] == sum(v["bytes"] for v in census["by_partition"].values()) > 0
