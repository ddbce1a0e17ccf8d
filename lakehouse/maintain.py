"""`lakehouse maintain`: compact small files (OPTIMIZE, Z-ordered where a query pattern pays for it)
and VACUUM the files no version inside the retention still needs.

Run it on a schedule (daily or weekly), never inside a pipeline run: every run adds a few small
files per table, compaction is what keeps reads fast, and it needs no coordination with the
pipeline because OPTIMIZE commits with dataChange=false (allowed on the append-only bronze tables,
and invisible to the Change Data Feed that silver and gold read)."""

from __future__ import annotations

import argparse
import json
import sys

from delta.tables import DeltaTable
from pyspark.sql import SparkSession

from shared import compaction, delta
from shared.compaction import session_conf
from shared.contract import BRONZE, DATASETS, GOLD, ORDER_ITEMS, ORDERS, QUARANTINE, SILVER, SOURCE_HASH
from shared.spark import get_spark
from shared.warehouse import all_tables, table_path

MIN_RETENTION_HOURS = 168  # 7 days of time travel: bronze audits read older versions
LISTING = "spark.sql.sources.parallelPartitionDiscovery.parallelism"
VACUUM_LOGGING = "spark.databricks.delta.vacuum.logging.enabled"  # VACUUM START/END in the history

# Z-order where a filter on a non-partition column is common; everything else is bin-packed only.
# - bronze.<dataset> by _source_hash: audits and `lakehouse audit --file` select a file's rows by
#   its content hash; clustered files give tight min/max statistics, so the scan skips the rest.
# - silver.orders, silver.order_items by order_id: lookups of an order and joins of items to their
#   orders (analyst SQL, referential checks) filter by order within the date partitions.
# - silver.quarantine by source_hash: the file trace looks rows up by hash (dataset partitions).
# Not Z-ordered: silver.products (about a thousand rows, one file), gold (one row per date and
# department, read whole or by date) and the bookkeeping tables (a few rows per run).
ZORDER: dict[tuple[str, str], tuple[str, ...]] = {
    **{(BRONZE, d): (SOURCE_HASH,) for d in DATASETS},
    (SILVER, ORDERS): ("order_id",),
    (SILVER, ORDER_ITEMS): ("order_id",),
    (SILVER, QUARANTINE): ("source_hash",),
}


def bookkeeping_tables(spark: SparkSession, warehouse: str) -> list[tuple[str, str]]:
    """(layer, folder) of the Delta tables under each layer whose folder name starts with `_`."""
    found = []
    for layer in (BRONZE, SILVER, GOLD):
        root = spark.sparkContext._jvm.org.apache.hadoop.fs.Path(table_path(warehouse, layer, ""))
        fs = root.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
        names = sorted(s.getPath().getName() for s in (fs.listStatus(root) if fs.exists(root) else []))
        found += [(layer, n) for n in names if n.startswith("_") and delta.exists(spark, f"{root}/{n}")]
    return found


def num_files(spark: SparkSession, path: str) -> int:
    return DeltaTable.forPath(spark, path).detail().select("numFiles").head()[0]


def crowded(spark: SparkSession, path: str) -> str | None:
    """A predicate on the partitions holding more than one file ("" for an unpartitioned table that
    does), None when none does: Delta OSS would Z-order single-file partitions again on every
    OPTIMIZE, so a second maintenance would rewrite them all. Reads the log's file list only."""
    return compaction.crowded(spark, path, at_least=2)


def vacuum(spark: SparkSession, path: str, retention_hours: int) -> int:
    """VACUUM when a dry run finds files to delete, with logging on so the VACUUM START/END commits
    record it in the table's history (nothing to delete adds no commit). VACUUM lists the table's
    folders in `parallelPartitionDiscovery.parallelism` tasks (10,000 by default, minutes of empty
    tasks on a laptop): the session's default parallelism is plenty for one table's folders."""
    sql = f"VACUUM {delta.sql_path(path)} RETAIN {int(retention_hours)} HOURS"
    listing = {LISTING: str(spark.sparkContext.defaultParallelism)}
    with session_conf(spark, listing):
        if not spark.sql(f"{sql} DRY RUN").head(1):
            return 0
    with session_conf(spark, listing | {VACUUM_LOGGING: "true"}):
        spark.sql(sql).collect()
    return int(delta.last_operation_metrics(spark, path).get("numDeletedFiles", 0))


def maintain(spark: SparkSession, warehouse: str, retention_hours: int = MIN_RETENTION_HOURS, tables=None):
    """OPTIMIZE then VACUUM every existing table (or the `layer.table` names given). Returns per
    table: Z-order columns, files before and after, files removed and added by OPTIMIZE, files
    deleted by VACUUM."""
    if retention_hours < MIN_RETENTION_HOURS:
        raise ValueError(
            f"a retention of {retention_hours} hours would break time travel to versions younger than"
            f" 7 days (bronze audits rely on it): use at least {MIN_RETENTION_HOURS}"
        )
    names = [tuple(t.split(".", 1)) for t in tables] if tables else all_tables()
    names += [] if tables else bookkeeping_tables(spark, warehouse)
    report = []
    for layer, table in names:
        path = table_path(warehouse, layer, table)
        if not delta.exists(spark, path):
            if tables:
                raise ValueError(f"no table '{layer}.{table}' in {warehouse}")
            continue
        report.append(
            {"table": f"{layer}.{table}", **maintain_table(spark, path, layer, table, retention_hours)}
        )
    return report


def maintain_table(spark: SparkSession, path: str, layer: str, table: str, retention_hours: int) -> dict:
    zorder, before = ZORDER.get((layer, table), ()), num_files(spark, path)
    added = removed = 0
    where = (crowded(spark, path) if zorder else "") if before > 1 else None
    if where is not None:  # (bin-packing by itself leaves single-file bins alone)
        optimize = DeltaTable.forPath(spark, path).optimize()
        optimize = optimize.where(where) if where else optimize
        result = optimize.executeZOrderBy(*zorder) if zorder else optimize.executeCompaction()
        added, removed = result.select("metrics.numFilesAdded", "metrics.numFilesRemoved").head()
    deleted = vacuum(spark, path, retention_hours)
    counts = {
        "files_before": before,
        "files_removed": removed,
        "files_added": added,
        "files_vacuumed": deleted,
    }
    return {"zorder_by": list(zorder), **counts, "files_after": num_files(spark, path)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--warehouse", default="var/demo/warehouse", help="root of the Delta tables")
    parser.add_argument(
        "--retention-hours", type=int, default=MIN_RETENTION_HOURS, help="VACUUM retention (at least 168)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON array")


def run(args: argparse.Namespace) -> int:
    if args.retention_hours < MIN_RETENTION_HOURS:  # refused before a Spark session starts
        print(
            f"lakehouse maintain: --retention-hours must be at least {MIN_RETENTION_HOURS}", file=sys.stderr
        )
        return 2
    report = maintain(get_spark("lakehouse-maintain"), args.warehouse, args.retention_hours)
    if args.json:
        print(json.dumps(report))
        return 0
    for t in report:
        zorder = f", zorder by {', '.join(t['zorder_by'])}" if t["zorder_by"] else ""
        print(
            f"{t['table']:<30} files {t['files_before']:>5} -> {t['files_after']:>5} (optimize"
            f" -{t['files_removed']} +{t['files_added']}{zorder}; vacuum deleted {t['files_vacuumed']})"
        )
    return 0
