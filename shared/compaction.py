"""The compaction policy: each pipeline step, after its writes, bin-packs the small files of every
partition of its tables that holds COMPACT_AT_FILES files or more (an unpartitioned table is one
partition). Daily runs add a file per table and touched partition, so no partition holds more
than COMPACT_AT_FILES - 1 files after a run, and no step runs a whole-table OPTIMIZE.

Only files under SMALL_FILE_BYTES are rewritten, so what a compaction rewrites is bounded by that
size, not by the table's. The OPTIMIZE commits with dataChange=false: the change feeds silver and
gold read skip it. Decided from the table's log (its file list), without reading data. A
compaction that loses to a concurrent writer is left to the next run: it changes no data.
Delta's own auto compaction is not used: it keeps its file counts in the writing JVM only, so
in a new process (every Glue job, every local run) it compacts at two files."""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from urllib.parse import unquote

from delta.tables import DeltaTable
from pyspark.sql import SparkSession

from shared import delta

COMPACT_AT_FILES = 8
SMALL_FILE_BYTES = 64 * 1024 * 1024
MIN_FILE_SIZE = "spark.databricks.delta.optimize.minFileSize"
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
log = logging.getLogger("lakehouse")


@contextlib.contextmanager
def session_conf(spark: SparkSession, settings: dict[str, str]):
    """Spark settings for the duration of a block, restored afterwards."""
    saved = {key: spark.conf.get(key, None) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, value in saved.items():
            spark.conf.unset(key) if value is None else spark.conf.set(key, value)


def crowded(spark: SparkSession, path: str, at_least: int = 2) -> str | None:
    """A predicate on the partitions holding at least `at_least` files ("" for an unpartitioned
    table that does), None when none does. Reads the log's file list only."""
    columns = DeltaTable.forPath(spark, path).detail().select("partitionColumns").head()[0]
    files = spark.read.format("delta").load(path).inputFiles()
    counts = Counter(tuple(f.split("/")[-1 - len(columns) : -1]) for f in files)  # ("date=2025-04-01",)
    busy = [folders for folders, n in counts.items() if n >= at_least]
    if not busy or not columns:
        return "" if busy else None
    return " OR ".join(f"({' AND '.join(map(_equals, folders))})" for folders in busy)


def _equals(folder: str) -> str:
    """`date=2025-04-01` -> date = '2025-04-01' (folder names are URL-escaped by Delta)."""
    name, _, value = folder.partition("=")
    value = unquote(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"{name} IS NULL" if value == NULL_PARTITION else f"{name} = '{value}'"


def compact(spark: SparkSession, paths: list[str]) -> int:
    """Apply the policy to each table in `paths` that exists; returns the files rewritten."""
    rewritten = 0
    for path in paths:
        if not delta.exists(spark, path):
            continue
        where = crowded(spark, path, COMPACT_AT_FILES)
        if where is None:
            continue
        optimize = DeltaTable.forPath(spark, path).optimize()
        optimize = optimize.where(where) if where else optimize
        try:
            with session_conf(spark, {MIN_FILE_SIZE: str(SMALL_FILE_BYTES)}):
                result = optimize.executeCompaction()
        except delta.CONFLICTS as error:
            log.warning("compaction of %s skipped (%s): the next run tries again", path, type(error).__name__)
            continue
        rewritten += result.select("metrics.numFilesRemoved").head()[0]
    return rewritten
