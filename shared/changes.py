"""Incremental reads through Delta's Change Data Feed, with one watermark per source table.

A consumer (silver reading bronze, gold reading silver) stores the last source version it
processed; the next run reads only the commits after it, never the whole source table."""

from __future__ import annotations

import datetime as dt

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StringType, StructField, StructType, TimestampType

from shared import delta

CDF_PROPERTIES = {"delta.enableChangeDataFeed": "true"}
CHANGE_COLUMNS = ("_change_type", "_commit_version", "_commit_timestamp")
WATERMARK_SCHEMA = StructType(
    [
        StructField("source", StringType(), nullable=False),
        StructField("version", LongType(), nullable=False),
        StructField("run_id", StringType(), nullable=False),
        StructField("updated_at", TimestampType(), nullable=False),
    ]
)


def ensure_watermarks(spark: SparkSession, marks: str) -> None:
    delta.ensure_table(spark, marks, WATERMARK_SCHEMA)


def changes_since_mark(
    spark: SparkSession, source: str, marks: str, name: str, until: int | None = None
) -> tuple[DataFrame | None, int]:
    """The source's change rows (with `_change_type`) committed after the watermark `name` and up
    to version `until` (default: the latest), and that last version. None when no commit is newer:
    decided from the logs alone."""
    newest = delta.latest_version(spark, source)
    latest = newest if until is None else min(newest, until)
    start = mark_version(spark, marks, name) + 1
    if start > latest or only_maintenance(spark, source, start, latest, newest):
        return None, latest
    return delta.changes(spark, source, start, latest), latest


def mark_version(spark: SparkSession, marks: str, name: str) -> int:
    """The source version the watermark `name` stands at; -1 before its first save."""
    row = delta.read(spark, marks).where(F.col("source") == name).select("version").head()
    return -1 if row is None else row[0]


def only_maintenance(spark: SparkSession, source: str, first: int, last: int, newest: int) -> bool:
    """True when every commit from `first` to `last` is maintenance: there is nothing to read, and
    the consumer should not write (its watermark stays; the next data commit moves past them).
    Reads only the commits from `first` to the table's `newest`, never its whole history."""
    commits = delta.data_commits(spark, source, newest - first + 1)
    return commits.where(F.col("version").between(first, last)).isEmpty()


def save_marks(
    spark: SparkSession, marks: str, versions: dict[str, int], run_id: str, run_ts: dt.datetime
) -> None:
    """Move the watermarks `versions` (name -> version) forward in one commit."""
    if not versions:
        return
    update = spark.createDataFrame([(n, v, run_id, run_ts) for n, v in versions.items()], WATERMARK_SCHEMA)
    (
        DeltaTable.forPath(spark, marks)
        .alias("t")
        .merge(update.alias("s"), delta.same_keys("source"))
        .whenMatchedUpdateAll(condition=F.col("s.version") > F.col("t.version"))  # forward only: a slower
        .whenNotMatchedInsertAll()  # concurrent run never moves a watermark back
        .execute()
    )


def save_mark(
    spark: SparkSession, marks: str, name: str, version: int, run_id: str, run_ts: dt.datetime
) -> None:
    save_marks(spark, marks, {name: version}, run_id, run_ts)
