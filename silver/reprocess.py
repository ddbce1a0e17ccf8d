"""Rebuild silver from bronze alone (no raw files, no archive) by replaying the original runs.

Silver depends on how rows arrived: dedup is per run, the MERGE guard compares runs, pending
items wait for later runs and expire on the run's clock. A faithful rebuild therefore replays
bronze run by run, in commit order, each run bounded to the bronze versions it appended and
given its original run id and clock. Silver is whole-table: a key's winner can come from any day,
so there is no partial rebuild by date (gold has one)."""

from __future__ import annotations

import datetime as dt

from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from shared import delta
from shared.contract import BRONZE, DATASETS, DEFAULT_GRACE_DAYS, QUARANTINE, SILVER, WATERMARKS
from shared.warehouse import ledger_path, table_path
from silver.step import DatasetStats, run_silver


def bronze_runs(spark: SparkSession, warehouse: str) -> list[tuple[str, dict[str, int]]]:
    """[(run id, {dataset: last bronze version that run had appended})] in commit order. Each
    bronze append is tagged with its run id (Delta userMetadata); a dataset a run did not append
    to keeps the version of the run before (0, the empty table, at first)."""
    commits = []
    for dataset in DATASETS:
        path = table_path(warehouse, BRONZE, dataset)
        if not delta.exists(spark, path):
            continue
        history = delta.data_commits(spark, path, depth=None).where(F.col("userMetadata").isNotNull())
        commits += [(r.timestamp, r.userMetadata, dataset, r.version) for r in history.collect()]
    runs: list[tuple[str, dict[str, int]]] = []
    ends = dict.fromkeys(DATASETS, 0)
    for _, run_id, dataset, version in sorted(commits):
        if not runs or runs[-1][0] != run_id:
            runs.append((run_id, dict(ends)))
        ends[dataset] = max(ends[dataset], version)
        runs[-1][1][dataset] = ends[dataset]
    return runs


def run_clocks(spark: SparkSession, warehouse: str) -> dict[str, dt.datetime]:
    """The clock each run used (its ledger entries' time), for timestamp bounds and grace."""
    ledger = delta.read(spark, ledger_path(warehouse)).groupBy("run_id").agg(F.min("recorded_at").alias("at"))
    # Through epoch microseconds: collecting a timestamp would apply the Python process's zone.
    micros = ledger.select("run_id", F.unix_micros("at").alias("us")).collect()
    return {
        r.run_id: dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=r.us) for r in micros
    }


def reset_silver(spark: SparkSession, warehouse: str) -> None:
    """Empty every silver table with a DELETE: the old state stays reachable by time travel, and
    gold sees the deletes in silver's change feed."""
    for table in (*DATASETS, QUARANTINE, WATERMARKS):
        path = table_path(warehouse, SILVER, table)
        if delta.exists(spark, path):
            DeltaTable.forPath(spark, path).delete()


def rebuild_silver(
    spark: SparkSession, warehouse: str, grace_days: int = DEFAULT_GRACE_DAYS
) -> list[tuple[str, dict[str, DatasetStats]]]:
    """Replay every bronze run into emptied silver tables; returns each replayed run's stats."""
    runs, clocks = bronze_runs(spark, warehouse), run_clocks(spark, warehouse)
    reset_silver(spark, warehouse)
    return [
        (run_id, run_silver(spark, warehouse, run_id, clocks[run_id], grace_days, until=ends))
        for run_id, ends in runs
    ]
