"""What the report shows beyond the run summary, read from the tables: a bounded sample of the
rows the run quarantined, gold daily sales over time, and each table's freshness. Only these small
results reach the driver."""

from __future__ import annotations

import datetime as dt

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from shared import delta
from shared.contract import (
    BRONZE,
    DAILY_SALES,
    DATASETS,
    GOLD,
    GOLD_TABLES,
    PARTITION_BY,
    QUARANTINE,
    REJECTED,
    SILVER,
)
from shared.warehouse import table_path

SAMPLE_ROWS = 20  # quarantined rows shown
SERIES_DAYS = 366  # gold daily sales: the latest dates shown
SERIES_COLUMNS = ("date", "orders", "revenue", "items")


def quarantine_sample(
    spark: SparkSession, warehouse: str, run_id: str, limit: int = SAMPLE_ROWS
) -> list[dict]:
    """Up to `limit` rows this run put into quarantine: rejected rows first, then by dataset, file
    and line."""
    path = table_path(warehouse, SILVER, QUARANTINE)
    if not delta.exists(spark, path):
        return []
    rows = (
        delta.read(spark, path)
        .filter(F.col("run_id") == run_id)
        .select(
            "dataset",
            "disposition",
            F.array_join("reasons", ", ").alias("reasons"),
            "source_file",
            F.col("row_number").alias("line"),
            F.coalesce(
                "malformed_record",
                F.to_json("record"),
            ).alias("record"),
        )
        .orderBy(F.col("disposition") != REJECTED, "dataset", "source_file", "line")
        .limit(limit)
        .collect()
    )
    return [row.asDict() for row in rows]


def daily_sales(spark: SparkSession, warehouse: str, days: int = SERIES_DAYS) -> list[dict]:
    """gold.daily_sales' latest `days` dates (one row per date), oldest first."""
    path = table_path(warehouse, GOLD, DAILY_SALES)
    if not delta.exists(spark, path):
        return []
    latest = delta.read(spark, path).select(*SERIES_COLUMNS).orderBy(F.col("date").desc()).limit(days)
    rows = latest.collect()
    series = [
        {**row.asDict(), "date": row["date"].isoformat(), "revenue": float(row["revenue"])} for row in rows
    ]
    return series[::-1]


def freshness(spark: SparkSession, warehouse: str) -> dict[str, str | None]:
    """The newest business date each dated table holds (silver orders and items, gold), and for
    the others the instant of their last data commit (read from the log, not the rows)."""
    tables = [(BRONZE, d, None) for d in DATASETS]
    tables += [(SILVER, d, PARTITION_BY[d]) for d in DATASETS]
    tables += [(GOLD, t, "date") for t in GOLD_TABLES]
    found: dict[str, str | None] = {}
    for layer, table, column in tables:
        path = table_path(warehouse, layer, table)
        if not delta.exists(spark, path):
            continue
        if column:
            newest = delta.read(spark, path).agg(F.max(column)).first()[0]
        else:
            commit = delta.last_data_commit(spark, path)
            newest = commit["timestamp"] if commit is not None else None
        if isinstance(newest, dt.datetime):
            newest = newest.replace(microsecond=0)
        found[f"{layer}.{table}"] = newest.isoformat() if newest is not None else None
    return found


def gather(spark: SparkSession, warehouse: str, summary: dict) -> dict:
    """The report's data: the run summary as given plus what the tables say after the run."""
    return {
        "summary": summary,
        "quarantine_sample": quarantine_sample(spark, warehouse, summary["run_id"]),
        "daily_sales": daily_sales(spark, warehouse),
        "freshness": freshness(spark, warehouse),
    }
