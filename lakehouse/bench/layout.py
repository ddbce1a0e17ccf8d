"""What the tables look like on storage: the files each commit rewrote and the files per partition.

Read from the Delta logs (an explicit schema over the commit JSON) and the snapshots' file lists;
only per-commit and per-partition aggregates reach the driver."""

from __future__ import annotations

from collections import defaultdict

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from shared import delta
from shared.warehouse import all_tables, table_path

FILE_ACTION = "struct<path: string, size: bigint, dataChange: boolean>"
LOG_SCHEMA = f"commitInfo struct<operation: string>, add {FILE_ACTION}, remove {FILE_ACTION}"


def commits(spark: SparkSession, path: str, first: int, last: int) -> list[dict]:
    """Per commit from `first` to `last`: operation, data files removed (rewritten) and added, and
    the partitions of the removed files."""
    logs = [f"{path}/_delta_log/{v:020d}.json" for v in range(first, last + 1)]
    actions = spark.read.schema(LOG_SCHEMA).json(logs).withColumn("_file", F.input_file_name())
    version = F.regexp_extract("_file", r"(\d{20})\.json$", 1).cast("long")
    removed = F.col("remove.path").isNotNull() & F.col("remove.dataChange")
    per_commit = actions.groupBy(version.alias("version")).agg(
        F.max("commitInfo.operation").alias("operation"),
        F.sum(removed.cast("int")).alias("files_removed"),
        F.sum(F.col("add.path").isNotNull().cast("int")).alias("files_added"),
        # A file's partition is its folder in the table (date=2025-04-01), "" when unpartitioned.
        F.collect_set(F.when(removed, F.regexp_extract("remove.path", r"^(.*)/[^/]*$", 1))).alias("parts"),
    )
    return [
        {
            "version": row.version,
            "operation": row.operation,
            "files_removed": row.files_removed,
            "files_added": row.files_added,
            "partitions_rewritten": sorted(row.parts),
        }
        for row in per_commit.orderBy("version").collect()
    ]


def table_versions(spark: SparkSession, warehouse: str) -> dict[str, int]:
    """The latest version of each of the warehouse's tables that exists (`layer.table` -> version)."""
    versions = {}
    for layer, name in all_tables():
        path = table_path(warehouse, layer, name)
        if delta.exists(spark, path):
            versions[f"{layer}.{name}"] = delta.latest_version(spark, path)
    return versions


def merge_rewrites(spark: SparkSession, warehouse: str, before: dict[str, int]) -> dict[str, list]:
    """The commits each table received since the versions in `before` (from table_versions)."""
    found = {}
    for table, latest in table_versions(spark, warehouse).items():
        first = before.get(table, -1) + 1
        if first <= latest:
            layer, name = table.split(".", 1)
            found[table] = commits(spark, table_path(warehouse, layer, name), first, latest)
    return found


def files_per_partition(spark: SparkSession, warehouse: str) -> dict[str, dict]:
    """Per table: partitions, the most files any partition holds, files and bytes in all, and
    the files and bytes of each partition (the current snapshot's files only)."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    tables = {}
    for layer, name in all_tables():
        path = table_path(warehouse, layer, name)
        if not delta.exists(spark, path):
            continue
        parts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        root = jvm.org.apache.hadoop.fs.Path(path)
        fs = root.getFileSystem(conf)
        prefix = fs.makeQualified(root).toString().rstrip("/") + "/"
        for uri in delta.read(spark, path).inputFiles():
            folder = uri[len(prefix) :].rpartition("/")[0] if uri.startswith(prefix) else ""
            parts[folder][0] += 1
            parts[folder][1] += fs.getFileStatus(jvm.org.apache.hadoop.fs.Path(uri)).getLen()
        tables[f"{layer}.{name}"] = {
            "partitions": len(parts),
            "max_files_per_partition": max((n for n, _ in parts.values()), default=0),
            "files": sum(n for n, _ in parts.values()),
            "bytes": sum(b for _, b in parts.values()),
            "by_partition": {k: {"files": n, "bytes": b} for k, (n, b) in sorted(parts.items())},
        }
    return tables
