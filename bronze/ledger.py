"""The file ledger (bronze._file_ledger): every raw file's fate per run, and the memory of which
contents were ingested, which is what makes bronze idempotent per file content."""

from __future__ import annotations

import datetime as dt

from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StringType, StructField, StructType, TimestampType

from bronze.files import INGEST, FilePlan
from shared import delta
from shared.contract import BRONZE, RUN_ID, SOURCE_FILE, SOURCE_HASH
from shared.warehouse import ledger_path, table_path

LEDGER_SCHEMA = StructType(
    [
        StructField("dataset", StringType(), nullable=False),
        StructField("file", StringType(), nullable=False),
        StructField("hash", StringType(), nullable=False),
        StructField("size", LongType()),
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


def record(spark: SparkSession, warehouse: str, dataset: str, plans: list[FilePlan], run_id: str, at) -> None:
    if not plans:
        return
    rows = [
        (dataset, p.raw.file, p.raw.hash, p.raw.size, p.action, p.reason, p.detail, run_id, at) for p in plans
    ]
    spark.createDataFrame(rows, LEDGER_SCHEMA).write.format("delta").mode("append").save(
        ledger_path(warehouse)
    )


def recover(spark: SparkSession, warehouse: str, dataset: str, at: dt.datetime) -> int:
    """A run stopped between its bronze commit and its ledger commit left rows of files the ledger
    does not know; a rerun would append them again. Record those files as ingested, taken from the
    rows of that last commit (tagged with its run id). Returns the number of files recovered."""
    path = table_path(warehouse, BRONZE, dataset)
    last = DeltaTable.forPath(spark, path).history(1).select("version", "userMetadata").head()
    if last is None or not last.userMetadata:
        return 0
    run_id = last.userMetadata
    ledger = delta.read(spark, ledger_path(warehouse))
    if ledger.where((F.col("dataset") == dataset) & (F.col("run_id") == run_id)).head(1):
        return 0
    files = (
        spark.read.format("delta")
        .option("readChangeFeed", "true")
        .option("startingVersion", last.version)
        .option("endingVersion", last.version)
        .load(path)
        .where(F.col(RUN_ID) == run_id)
        .select(
            F.lit(dataset).alias("dataset"),
            F.col(SOURCE_FILE).alias("file"),
            F.col(SOURCE_HASH).alias("hash"),
            F.lit(None).cast("long").alias("size"),
            F.lit(INGEST).alias("action"),
            F.lit(None).cast("string").alias("reason"),
            F.lit("recorded after an interrupted run").alias("detail"),
            F.lit(run_id).alias("run_id"),
            F.lit(at).cast("timestamp").alias("recorded_at"),
        )
        .distinct()
    )
    files.write.format("delta").mode("append").save(ledger_path(warehouse))
    return int(delta.last_operation_metrics(spark, ledger_path(warehouse)).get("numOutputRows", 0))
