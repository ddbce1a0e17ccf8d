"""Gold for one run: recompute only the dates whose silver rows changed, replacing exactly those
rows. The dates come from silver's Change Data Feed since gold's own watermarks, so gold can run
on its own (layer-by-layer reprocessing) and catches up after a run that stopped before it."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager as ContextManager

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from gold.aggregates import daily_sales, department_daily_sales
from shared import changes, compaction, delta
from shared.contract import (
    DAILY_SALES,
    GOLD,
    GOLD_TABLES,
    ORDER_ITEMS,
    ORDERS,
    PRODUCTS,
    SILVER,
    WATERMARKS,
)
from shared.warehouse import table_path


def _silver(spark: SparkSession, warehouse: str, dataset: str) -> DataFrame:
    return delta.read(spark, table_path(warehouse, SILVER, dataset))


def moved_products(feed: DataFrame) -> DataFrame:
    """product_ids whose department name changed in the feed (they move items between
    departments in department_daily_sales)."""
    key = ["product_id", "_commit_version"]
    before = feed.where(F.col("_change_type") == "update_preimage").select(
        *key, F.col("department").alias("was")
    )
    after = feed.where(F.col("_change_type") == "update_postimage").select(*key, "department")
    return (
        before.join(after, on=key, how="inner")
        .where(F.col("was") != F.col("department"))
        .select("product_id")
    )


def mark_name(table: str, dataset: str) -> str:
    """Each gold table keeps its own watermark per silver source: the tables can be built by
    separate jobs (one Step Functions Map iteration each) and catch up independently."""
    return f"{table}:{SILVER}.{dataset}"


def changed_dates(spark: SparkSession, warehouse: str, table: str) -> tuple[list[dt.date], dict[str, int]]:
    """Dates of orders and items changed since `table`'s watermarks (before and after an update,
    so an order moved to another day recomputes both days), and dates of items of products whose
    department changed. Returns (dates, latest silver version of each source that changed)."""
    marks = table_path(warehouse, GOLD, WATERMARKS)
    dates, versions = [], {}
    for dataset in (ORDERS, ORDER_ITEMS, PRODUCTS):
        source = table_path(warehouse, SILVER, dataset)
        feed, latest = changes.changes_since_mark(spark, source, marks, mark_name(table, dataset))
        if feed is None:
            continue
        versions[dataset] = latest
        if dataset == PRODUCTS:
            items = _silver(spark, warehouse, ORDER_ITEMS)
            dates.append(items.join(moved_products(feed), on="product_id", how="left_semi").select("date"))
        else:
            dates.append(feed.select("date"))
    if not dates:
        return [], versions
    union = delta.union_all(dates)
    # One value per calendar day: small, and it becomes the replaceWhere predicate.
    return sorted(r[0] for r in union.distinct().collect() if r[0] is not None), versions


def all_dates(spark: SparkSession, warehouse: str) -> list[dt.date]:
    """Every date in silver orders and items and in gold: a full gold rebuild (a gold date whose
    silver rows are gone is replaced by nothing, i.e. removed)."""
    sources = [_silver(spark, warehouse, ORDERS), _silver(spark, warehouse, ORDER_ITEMS)]
    path = table_path(warehouse, GOLD, DAILY_SALES)
    if delta.exists(spark, path):
        sources.append(delta.read(spark, path))
    union = delta.union_all([source.select("date") for source in sources])
    return sorted(r[0] for r in union.distinct().collect() if r[0] is not None)


def replace_dates(path: str, rows: DataFrame, dates: list[dt.date]) -> None:
    """Atomically replace the rows of `dates` (one Delta commit); other dates stay as they are."""
    predicate = "date IN ({})".format(", ".join(f"DATE'{d.isoformat()}'" for d in dates))
    rows.write.format("delta").mode("overwrite").option("replaceWhere", predicate).save(path)


def build(spark: SparkSession, warehouse: str, table: str, dates: list[dt.date]) -> DataFrame:
    orders = _silver(spark, warehouse, ORDERS).where(F.col("date").isin(dates))
    items = _silver(spark, warehouse, ORDER_ITEMS).where(F.col("date").isin(dates))
    if table == DAILY_SALES:
        return daily_sales(orders, items)
    return department_daily_sales(items, _silver(spark, warehouse, PRODUCTS))


def _build_table(
    spark: SparkSession, warehouse: str, name: str, extra_dates, run_id: str, run_ts
) -> list[dt.date]:
    marks = table_path(warehouse, GOLD, WATERMARKS)
    touched, versions = changed_dates(spark, warehouse, name)
    dates = sorted(set(touched) | set(extra_dates))
    rows = build(spark, warehouse, name, dates)
    path = table_path(warehouse, GOLD, name)
    delta.ensure_table(spark, path, rows.schema)  # first run (or two at once): the empty table
    if dates:
        replace_dates(path, rows, dates)
    changes.save_marks(spark, marks, {mark_name(name, d): v for d, v in versions.items()}, run_id, run_ts)
    return dates


def run_gold(
    spark: SparkSession,
    warehouse: str,
    run_id: str,
    run_ts: dt.datetime,
    extra_dates: list[dt.date] = (),
    tables: tuple[str, ...] = GOLD_TABLES,
    phase: Callable[[str], ContextManager] = lambda name: contextlib.nullcontext(),
) -> list[dt.date]:
    """Recompute each of `tables` for its changed dates (plus `extra_dates`, for reprocessing);
    returns every date recomputed. `phase(name)` wraps each table's step and the compaction."""
    marks = table_path(warehouse, GOLD, WATERMARKS)
    delta.retry_on_conflict(lambda: changes.ensure_watermarks(spark, marks), "gold watermarks")
    recomputed: set[dt.date] = set()
    for name in tables:  # a table's step is idempotent: retried whole on a concurrent commit
        with phase(f"gold {name}"):
            recomputed.update(
                delta.retry_on_conflict(
                    lambda name=name: _build_table(spark, warehouse, name, extra_dates, run_id, run_ts),
                    f"gold {name}",
                )
            )
    with phase("gold compaction"):
        compaction.compact(spark, [table_path(warehouse, GOLD, t) for t in (*tables, WATERMARKS)])
    return sorted(recomputed)
