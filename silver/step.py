"""Silver for one run: bronze increment -> validate -> dedupe -> referential checks -> MERGE.

Order of work per the contract: products, then orders, then order items (whose referential checks
see this run's products and orders already merged, so same-drop parents count)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager as ContextManager
from dataclasses import dataclass, field

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from shared import compaction, delta
from shared.contract import (
    ACCEPTED,
    DATASETS,
    DEFAULT_GRACE_DAYS,
    DEPARTMENT_CONFLICT,
    DISPOSITION,
    DUPLICATE,
    EXPIRED,
    FIELD_NAMES,
    INGESTED_AT,
    MALFORMED_RECORD,
    ORDER_ITEMS,
    ORDERS,
    PENDING,
    PRODUCTS,
    QUARANTINE,
    RAW,
    READMITTED,
    REASONS,
    REJECTED,
    ROW_NUMBER,
    RUN_ID,
    SILVER,
    SILVER_RUN_ID,
    SOURCE_FILE,
    SOURCE_HASH,
    UPDATED_AT,
    WATERMARKS,
)
from shared.schemas import bronze_schema
from shared.warehouse import table_path
from silver.classify import check_references, classify, dedupe, resolve_pending, yield_to_readmitted
from silver.tables import (
    ensure_silver_tables,
    merge_quarantine,
    merge_silver,
    read_increment,
    save_watermark,
)
from silver.validate import validate


@dataclass
class DatasetStats:
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    pending: int = 0
    readmitted: int = 0
    expired: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)


def to_silver(df: DataFrame, dataset: str, run_id: str, run_ts: dt.datetime) -> DataFrame:
    return df.select(
        *FIELD_NAMES[dataset],
        SOURCE_FILE,
        SOURCE_HASH,
        ROW_NUMBER,
        INGESTED_AT,
        F.lit(run_id).alias(SILVER_RUN_ID),
        F.lit(run_ts).cast("timestamp").alias(UPDATED_AT),
    )


def to_quarantine(df: DataFrame, dataset: str, run_id: str, run_ts: dt.datetime) -> DataFrame:
    """New quarantine rows: the original values, reasons and lineage of every row that did not
    reach silver."""
    stamped = F.lit(run_ts).cast("timestamp")
    return df.select(
        F.lit(dataset).alias("dataset"),
        F.col(DISPOSITION).alias("disposition"),
        F.col(REASONS).alias("reasons"),
        F.col(RAW).alias("record"),
        F.col(MALFORMED_RECORD).alias("malformed_record"),
        F.col(SOURCE_FILE).alias("source_file"),
        F.col(SOURCE_HASH).alias("source_hash"),
        F.col(ROW_NUMBER).alias("row_number"),
        F.col(INGESTED_AT).alias("ingested_at"),
        F.lit(run_id).alias("run_id"),
        stamped.alias("first_seen_at"),
        F.lit(None).cast("string").alias("resolved_run_id"),
        F.lit(None).cast("timestamp").alias("resolved_at"),
    )


def pending_items(spark: SparkSession, warehouse: str) -> DataFrame:
    """Earlier pending order items, rebuilt into bronze shape from their original values so they
    go through exactly the same validation as new rows."""
    quarantine = delta.read(spark, table_path(warehouse, SILVER, QUARANTINE))
    pending = quarantine.where((F.col("dataset") == ORDER_ITEMS) & (F.col("disposition") == PENDING))
    return pending.select(
        *[F.col("record")[name].alias(name) for name in FIELD_NAMES[ORDER_ITEMS]],
        F.col("malformed_record").alias(MALFORMED_RECORD),
        F.col("source_file").alias(SOURCE_FILE),
        F.col("source_hash").alias(SOURCE_HASH),
        F.col("row_number").alias(ROW_NUMBER),
        F.col("run_id").alias(RUN_ID),
        F.col("ingested_at").alias(INGESTED_AT),
        "first_seen_at",
    )


def resolved_quarantine(resolved: DataFrame, run_id: str, run_ts: dt.datetime) -> DataFrame:
    """Quarantine updates for earlier pending rows whose fate was decided this run."""
    return (
        resolved.where(F.col(DISPOSITION) != PENDING)
        .transform(to_quarantine, ORDER_ITEMS, run_id, run_ts)
        .withColumn("resolved_run_id", F.lit(run_id))
        .withColumn("resolved_at", F.lit(run_ts).cast("timestamp"))
    )


def summarize(classified: DataFrame, dataset: str, resolved: DataFrame | None) -> DatasetStats:
    """The run's counts from the (cached) classified rows: small aggregates, no row data."""
    counts = {r[0]: r[1] for r in classified.groupBy(DISPOSITION).count().collect()}
    reasons = (
        classified.where(F.col(DISPOSITION) == REJECTED)
        .select(F.explode(F.array_distinct(REASONS)).alias("reason"))
        .groupBy("reason")
        .count()
    )
    stats = DatasetStats(
        rows_read=sum(counts.values()),
        accepted=counts.get(ACCEPTED, 0),
        rejected=counts.get(REJECTED, 0),
        duplicates=counts.get(DUPLICATE, 0),
        pending=counts.get(PENDING, 0),
        rejected_by_reason={r[0]: r[1] for r in reasons.collect()},
    )
    if resolved is not None:
        fates = {r[0]: r[1] for r in resolved.groupBy(DISPOSITION).count().collect()}
        stats.readmitted, stats.expired = fates.get(READMITTED, 0), fates.get(EXPIRED, 0)
    if dataset == PRODUCTS:
        conflicts = (
            classified.where(F.col(DISPOSITION) == ACCEPTED)
            .groupBy("department_id")
            .agg(F.countDistinct("department").alias("names"))
            .where(F.col("names") > 1)
            .count()
        )
        if conflicts:
            stats.warnings[DEPARTMENT_CONFLICT] = conflicts
    return stats


def process_dataset(
    spark: SparkSession,
    warehouse: str,
    dataset: str,
    run_id: str,
    run_ts: dt.datetime,
    grace_days: int,
    until: int | None = None,
) -> DatasetStats:
    """One dataset's silver step over bronze up to version `until` (default: latest)."""
    increment, version = read_increment(spark, warehouse, dataset, until)
    waiting = dataset == ORDER_ITEMS and bool(pending_items(spark, warehouse).head(1))
    if increment is None and not waiting:
        return DatasetStats()  # nothing new: no table is touched
    fresh = increment is not None
    if not fresh:  # only pending items to re-check (bronze order items may not exist yet)
        increment = spark.createDataFrame([], bronze_schema(dataset))
    classified = increment.transform(validate, dataset, run_ts).transform(classify, dataset)
    resolved = None
    if dataset == ORDER_ITEMS:
        orders = delta.read(spark, table_path(warehouse, SILVER, ORDERS))
        products = delta.read(spark, table_path(warehouse, SILVER, PRODUCTS))
        resolved = (
            pending_items(spark, warehouse)
            .transform(validate, dataset, run_ts)
            .transform(classify, dataset)
            .transform(check_references, orders, products)
            .transform(resolve_pending, run_ts, grace_days)
            .persist()
        )
        classified = classified.transform(check_references, orders, products).transform(
            yield_to_readmitted, resolved.where(F.col(DISPOSITION) == READMITTED), dataset
        )
    classified = classified.persist()
    admitted = classified.where(F.col(DISPOSITION) == ACCEPTED)
    if resolved is not None:  # classify kept one accepted row per key; readmitted rows may rival it
        readmitted = resolved.where(F.col(DISPOSITION) == READMITTED).drop("first_seen_at")
        admitted = admitted.unionByName(readmitted, allowMissingColumns=False).transform(dedupe, dataset)
    source = admitted.transform(to_silver, dataset, run_id, run_ts).persist()
    # Count before writing: Delta re-caches a cached DataFrame when a table it reads is written,
    # and `resolved` reads the quarantine table that this step updates.
    stats = summarize(classified, dataset, resolved)
    merge_silver(spark, warehouse, dataset, source)
    rejected = classified.where(F.col(DISPOSITION) != ACCEPTED)
    quarantine = rejected.transform(to_quarantine, dataset, run_id, run_ts)
    if resolved is not None:
        quarantine = quarantine.unionByName(resolved.transform(resolved_quarantine, run_id, run_ts))
    if stats.rows_read > stats.accepted or stats.readmitted or stats.expired:  # else nothing to write
        merge_quarantine(spark, warehouse, quarantine)
    if fresh:
        save_watermark(spark, warehouse, dataset, version, run_id, run_ts)
    for cached in (classified, resolved, source):
        if cached is not None:
            cached.unpersist()
    return stats


def silver_step(
    spark: SparkSession,
    warehouse: str,
    dataset: str,
    run_id: str,
    run_ts: dt.datetime,
    grace_days: int,
    until: int | None = None,
) -> DatasetStats:
    """One dataset's step, retried as a whole when a commit conflicts with a concurrent writer's:
    a concurrent run's, or the other datasets' job runs of the same layer, which write the
    quarantine and the watermarks too. The step is idempotent (MERGEs keyed by origin, watermark
    last and forward only)."""
    return delta.retry_on_conflict(
        lambda: process_dataset(spark, warehouse, dataset, run_id, run_ts, grace_days, until),
        f"silver {dataset}",
    )


def run_silver(
    spark: SparkSession,
    warehouse: str,
    run_id: str,
    run_ts: dt.datetime,
    grace_days: int = DEFAULT_GRACE_DAYS,
    until: dict[str, int] | None = None,
    phase: Callable[[str], ContextManager] = lambda name: contextlib.nullcontext(),
) -> dict[str, DatasetStats]:
    """Silver for every dataset; `until` bounds the bronze version read per dataset (a replay).
    `phase(name)` wraps each dataset's step and the compaction (progress and timings)."""
    delta.retry_on_conflict(lambda: ensure_silver_tables(spark, warehouse), "silver tables")
    until = until or {}
    stats = {}
    for d in DATASETS:
        with phase(f"silver {d}"):
            stats[d] = silver_step(spark, warehouse, d, run_id, run_ts, grace_days, until.get(d))
    with phase("silver compaction"):
        tables = (*DATASETS, QUARANTINE, WATERMARKS)
        compaction.compact(spark, [table_path(warehouse, SILVER, t) for t in tables])
    return stats
