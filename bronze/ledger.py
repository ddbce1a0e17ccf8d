"""The file ledger (bronze._file_ledger): every raw file's fate per run, and the memory of which
contents were ingested, which is what makes bronze idempotent per file content."""

from __future__ import annotations

import datetime as dt

from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StringType, StructField, StructType, TimestampType

from bronze.files import FilePlan
from shared import delta
from shared.contract import BRONZE, INGEST, RUN_ID, SOURCE_FILE, SOURCE_HASH
from shared.warehouse import ledger_path, table_path

LEDGER_SCHEMA = StructType(
    [
        StructField("dataset", StringType(), nullable=False),
        StructField("file", StringType(), nullable=False),
        StructField("hash", StringType(), nullable=False),
        StructField("size", LongType()),
        StructField("rows", LongType()),  # rows appended to bronze (ingest), else null
        StructField("action", StringType(), nullable=False),
        StructField("reason", StringType()),
        StructField("detail", StringType()),
        StructField("run_id", StringType(), nullable=False),
        StructField("recorded_at", TimestampType(), nullable=False),
    ]
)


def ingested_hashes(spark: SparkSession, warehouse: str, dataset: str, candidates: set[str]) -> set[str]:
    """Which of the candidate contents the ledger records as ingested for this dataset."""
    known = (
        delta.read(spark, ledger_path(warehouse))
        .where((F.col("dataset") == dataset) & (F.col("action") == INGEST) & F.col("hash").isin(*candidates))
        .select("hash")
        .distinct()
    )
    return {row.hash for row in known.collect()}


def record(
    spark: SparkSession, warehouse: str, dataset: str, plans: list[FilePlan], run_id: str, run_ts, rows=None
) -> None:
    """One ledger row per plan; `rows` maps an ingested content's hash to the rows it appended.
    A ledger written before `rows` existed gains the column (schema merge on this append)."""
    if not plans:
        return
    rows = rows or {}
    entries = [
        (
            dataset,
            p.raw.file,
            p.raw.hash,
            p.raw.size,
            rows.get(p.raw.hash, 0) if p.action == INGEST else None,
            p.action,
            p.reason,
            p.detail,
            run_id,
            run_ts,
        )
        for p in plans
    ]
    _insert(spark, warehouse, spark.createDataFrame(entries, LEDGER_SCHEMA))


# An entry is one decision of one run on one file: recording it twice (a concurrent run recovering
# our commit while we record it, or a retried step) must leave one row.
ENTRY_KEY = ("dataset", "file", "hash", "run_id", "action")


def _insert(spark: SparkSession, warehouse: str, entries) -> None:
    """Insert-only MERGE of ledger entries on ENTRY_KEY. A ledger written before the `rows` column
    existed gains it first (schema merge)."""
    path = ledger_path(warehouse)
    if "rows" not in delta.read(spark, path).columns:
        spark.sql(f"ALTER TABLE {delta.sql_path(path)} ADD COLUMNS (rows BIGINT)")
    DeltaTable.forPath(spark, path).alias("t").merge(
        entries.alias("s"), delta.same_keys(*ENTRY_KEY)
    ).whenNotMatchedInsertAll().execute()


def recover(spark: SparkSession, warehouse: str, dataset: str, run_ts: dt.datetime) -> int:
    """A run stopped between its bronze commit and its ledger commit left rows of files the ledger
    does not know; a rerun would append them again. Record those files as ingested, taken from the
    rows of that last commit (tagged with its run id). Returns the number of files recovered."""
    path = table_path(warehouse, BRONZE, dataset)
    last = delta.last_data_commit(spark, path)
    if last is None or not last.userMetadata:
        return 0
    run_id = last.userMetadata
    ledger = delta.read(spark, ledger_path(warehouse))
    if ledger.where((F.col("dataset") == dataset) & (F.col("run_id") == run_id)).head(1):
        return 0
    files = (
        delta.changes(spark, path, last.version, last.version)
        .where(F.col(RUN_ID) == run_id)
        .groupBy(SOURCE_FILE, SOURCE_HASH)
        .count()
        .select(
            F.lit(dataset).alias("dataset"),
            F.col(SOURCE_FILE).alias("file"),
            F.col(SOURCE_HASH).alias("hash"),
            F.lit(None).cast("long").alias("size"),
            F.col("count").alias("rows"),
            F.lit(INGEST).alias("action"),
            F.lit(None).cast("string").alias("reason"),
            F.lit("recorded after an interrupted run").alias("detail"),
            F.lit(run_id).alias("run_id"),
            F.lit(run_ts).cast("timestamp").alias("recorded_at"),
        )
    )
    _insert(spark, warehouse, files)
    return int(delta.last_operation_metrics(spark, ledger_path(warehouse)).get("numTargetRowsInserted", 0))
