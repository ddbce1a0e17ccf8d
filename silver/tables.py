"""Silver's Delta writes: the MERGE with the staleness guard, the quarantine MERGE, and the
bronze-version watermarks that make every run incremental."""

from __future__ import annotations

import datetime as dt

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from shared import changes, delta
from shared.contract import (
    BRONZE,
    DATASETS,
    FIELD_NAMES,
    ORDER_TIMESTAMP,
    PARTITION_BY,
    PRIMARY_KEY,
    QUARANTINE,
    SILVER,
    WATERMARKS,
)
from shared.warehouse import table_path
from silver.schema import QUARANTINE_KEY, QUARANTINE_SCHEMA, silver_checks, silver_schema


def ensure_silver_tables(spark: SparkSession, warehouse: str) -> None:
    for dataset in DATASETS:
        delta.ensure_table(
            spark,
            table_path(warehouse, SILVER, dataset),
            silver_schema(dataset),
            partition_by=PARTITION_BY[dataset],
            checks=silver_checks(dataset),
            properties=changes.CDF_PROPERTIES,  # gold finds the dates to recompute in it
        )
    delta.ensure_table(
        spark, table_path(warehouse, SILVER, QUARANTINE), QUARANTINE_SCHEMA, partition_by="dataset"
    )
    changes.ensure_watermarks(spark, marks_path(warehouse))


def marks_path(warehouse: str) -> str:
    return table_path(warehouse, SILVER, WATERMARKS)


def mark_name(dataset: str) -> str:
    """Silver's watermark on a dataset's bronze table, in silver's watermarks table."""
    return f"{BRONZE}.{dataset}"


def silver_mark(spark: SparkSession, warehouse: str, dataset: str) -> int:
    """The last bronze version of `dataset` that silver has processed; -1 before its first run."""
    marks = marks_path(warehouse)
    return changes.mark_version(spark, marks, mark_name(dataset)) if delta.exists(spark, marks) else -1


def read_increment(
    spark: SparkSession, warehouse: str, dataset: str, until: int | None = None
) -> tuple[DataFrame | None, int]:
    """Bronze rows appended after silver's watermark, up to bronze version `until` (default: the
    latest); bronze is append-only, so its change feed holds inserts only. Returns (rows or None
    when nothing is new, the bronze version read up to)."""
    bronze = table_path(warehouse, BRONZE, dataset)
    if not delta.exists(spark, bronze):
        return None, -1  # no file of this dataset has arrived yet: nothing to read
    feed, latest = changes.changes_since_mark(spark, bronze, marks_path(warehouse), mark_name(dataset), until)
    if feed is None:
        return None, latest
    return feed.where(F.col("_change_type") == "insert").drop(*changes.CHANGE_COLUMNS), latest


def save_watermark(
    spark: SparkSession, warehouse: str, dataset: str, version: int, run_id: str, run_ts: dt.datetime
) -> None:
    changes.save_mark(spark, marks_path(warehouse), mark_name(dataset), version, run_id, run_ts)


def touched_partitions(target: DataFrame, source: DataFrame, key: str, column: str) -> list:
    """The partition values a MERGE of `source` into `target` can touch: those of the incoming rows
    and those where a stored row with an incoming key lives (an order re-sent with another date
    updates the row in its old partition). The stored keys are looked up between the incoming
    keys' min and max: ids grow with time, so the files' key statistics skip all but the newest
    files. Returns the values, sorted (one per partition, a small list)."""
    low, high = source.agg(F.min(key), F.max(key)).head()
    if low is None:
        return []
    stored = target.where(F.col(key).between(low, high)).join(source.select(key), on=key, how="left_semi")
    values = source.select(column).union(stored.select(column)).distinct()
    return sorted(row[0] for row in values.collect())


def merge_silver(spark: SparkSession, warehouse: str, dataset: str, source: DataFrame) -> None:
    """Upsert one row per key. Orders and items: a stored row is replaced only by an incoming row
    at least as recent (order_timestamp), so a late, stale re-send never overwrites newer data.
    Products carry no time, so the incoming row always wins. A partitioned table's MERGE names
    the partitions it can touch, so only their files are read and rewritten."""
    path = table_path(warehouse, SILVER, dataset)
    key, column = PRIMARY_KEY[dataset], PARTITION_BY[dataset]
    on = delta.same_keys(key)
    if column:
        values = touched_partitions(delta.read(spark, path), source, key, column)
        if not values:
            return  # nothing to merge
        on = F.col(f"t.{column}").isin(values) & on
    merge = DeltaTable.forPath(spark, path).alias("t").merge(source.alias("s"), on)
    if ORDER_TIMESTAMP in FIELD_NAMES[dataset]:
        newer = F.col(f"s.{ORDER_TIMESTAMP}") >= F.col(f"t.{ORDER_TIMESTAMP}")
        merge = merge.whenMatchedUpdateAll(condition=newer)
    else:
        merge = merge.whenMatchedUpdateAll()
    merge.whenNotMatchedInsertAll().execute()


def merge_quarantine(spark: SparkSession, warehouse: str, rows: DataFrame) -> None:
    """New quarantine rows are inserted; re-checked pending rows get their new disposition. Keyed
    by the row's origin, so re-running a run never records a row twice."""
    (
        DeltaTable.forPath(spark, table_path(warehouse, SILVER, QUARANTINE))
        .alias("t")
        .merge(rows.alias("s"), delta.same_keys(*QUARANTINE_KEY))
        .whenMatchedUpdate(
            set={c: f"s.{c}" for c in ("disposition", "reasons", "resolved_run_id", "resolved_at")}
        )
        .whenNotMatchedInsertAll()
        .execute()
    )
