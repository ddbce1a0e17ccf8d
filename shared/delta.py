"""Small helpers over Delta Lake tables addressed by path."""

from __future__ import annotations

import contextlib
import logging
import random
import time
from collections.abc import Callable
from functools import reduce
from typing import TypeVar

from delta import exceptions as conflicts
from delta.tables import DeltaTable
from pyspark.errors import AnalysisException
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from shared.warehouse import all_tables, sql_name, table_path

T = TypeVar("T")
log = logging.getLogger("lakehouse")
# Optimistic concurrency: a commit that lost to a concurrent writer's commit on the same data.
CONFLICTS = (
    conflicts.ConcurrentAppendException,
    conflicts.ConcurrentDeleteReadException,
    conflicts.ConcurrentDeleteDeleteException,
    conflicts.ConcurrentTransactionException,
    conflicts.ConcurrentWriteException,
    conflicts.MetadataChangedException,
    conflicts.ProtocolChangedException,
    conflicts.DeltaConcurrentModificationException,
)
CONFLICT_ATTEMPTS = 6
# Commits that rewrite or delete files without changing data: `lakehouse maintain` and the
# compaction policy (shared.compaction) commit OPTIMIZE; VACUUM logs its start and end.
MAINTENANCE = ("OPTIMIZE", "VACUUM START", "VACUUM END")


def retry_on_conflict(step: Callable[[], T], what: str, attempts: int = CONFLICT_ATTEMPTS) -> T:
    """Run an idempotent step again when its commit conflicts with a concurrent writer's (with
    jittered backoff): it re-reads the tables, so it decides again on what that writer committed."""
    for attempt in range(1, attempts + 1):
        try:
            return step()
        except (*CONFLICTS, AnalysisException) as error:
            # A table another run is creating right now reads as not found: also transient.
            transient = not isinstance(error, AnalysisException) or "DELTA_TABLE_NOT_FOUND" in str(error)
            if attempt == attempts or not transient:
                raise
            pause = random.uniform(0, min(8.0, 0.5 * 2**attempt))
            log.warning(
                "%s: concurrent commit (%s), retry %d in %.1f s", what, type(error).__name__, attempt, pause
            )
            time.sleep(pause)
    raise AssertionError("unreachable")


def sql_path(path: str) -> str:
    """The table reference delta.`path` for Spark SQL; a path that could close the quoting (a
    backtick) or hide a statement (a control character) is refused."""
    if "`" in path or any(ord(ch) < 32 for ch in path):
        raise ValueError(f"table path {path!r}: backticks and control characters are not allowed")
    return f"delta.`{path}`"


def exists(spark: SparkSession, path: str) -> bool:
    return DeltaTable.isDeltaTable(spark, path)


def add_constraint(spark: SparkSession, path: str, name: str, expr: str) -> None:
    """ALTER TABLE ... ADD CONSTRAINT; one that a concurrent job added first counts as added."""
    try:
        constraint = sql_name(name, "constraint")
        spark.sql(f"ALTER TABLE {sql_path(path)} ADD CONSTRAINT {constraint} CHECK ({expr})")
    except AnalysisException as error:
        if "CONSTRAINT_ALREADY_EXISTS" not in str(error):
            raise


def ensure_table(
    spark: SparkSession,
    path: str,
    schema: StructType,
    partition_by: str | None = None,
    properties: dict[str, str] | None = None,
    checks: dict[str, str] | None = None,
) -> DeltaTable:
    """Create the table at `path` if it is missing, with its schema, partitioning, properties and
    CHECK constraints; NOT NULL comes from the schema's nullability. An existing table keeps its
    schema and gets any of the constraints it lacks. Safe when several jobs create one table at
    once (a layer's Map does, on a first run): the creator that loses the commit retries and finds
    the table, and a constraint is added by whoever finds it missing."""

    def attempt() -> DeltaTable:
        if not exists(spark, path):
            builder = DeltaTable.createIfNotExists(spark).location(path).addColumns(schema)
            if partition_by:
                builder = builder.partitionedBy(partition_by)
            for key, value in (properties or {}).items():
                builder = builder.property(key, value)
            builder.execute()
        table = DeltaTable.forPath(spark, path)
        if checks:
            present = table.detail().select("properties").head()[0] or {}
            for name, expr in checks.items():
                if f"delta.constraints.{name.lower()}" not in present:
                    add_constraint(spark, path, name, expr)
        return table

    return retry_on_conflict(attempt, f"table {path}")


def latest_version(spark: SparkSession, path: str) -> int:
    """The table's current version, read from its log (one history row, no data)."""
    return DeltaTable.forPath(spark, path).history(1).select("version").head()[0]


def read(spark: SparkSession, path: str) -> DataFrame:
    return spark.read.format("delta").load(path)


def changes(spark: SparkSession, path: str, start: int, end: int) -> DataFrame:
    """The table's Change Data Feed from version `start` to `end`, inclusive."""
    return (
        spark.read.format("delta")
        .option("readChangeFeed", "true")
        .option("startingVersion", start)
        .option("endingVersion", end)
        .load(path)
    )


@contextlib.contextmanager
def commit_metadata(spark: SparkSession, text: str):
    """Tag the commits made inside the block with `text` (Delta's userMetadata: the run id)."""
    key = "spark.databricks.delta.commitInfo.userMetadata"
    spark.conf.set(key, text)
    try:
        yield
    finally:
        spark.conf.unset(key)


def data_commits(spark: SparkSession, path: str, depth: int | None = 50) -> DataFrame:
    """The table's history rows among its last `depth` commits (all with None) that changed data:
    a run's commit is looked up among these, never a compaction or VACUUM that followed it."""
    history = DeltaTable.forPath(spark, path).history(depth)
    return history.where(~F.col("operation").isin(*MAINTENANCE))


def last_data_commit(spark: SparkSession, path: str, depth: int = 50):
    """The history row of the table's newest data commit among its last `depth`, or None."""
    return data_commits(spark, path, depth).orderBy(F.col("version").desc()).head()


def version_of(spark: SparkSession, path: str, text: str, depth: int = 50) -> int | None:
    """The newest of the table's last `depth` data commits tagged with `text`, or None."""
    log = data_commits(spark, path, depth)
    return log.where(log.userMetadata == text).agg({"version": "max"}).head()[0]


def last_operation_metrics(spark: SparkSession, path: str) -> dict[str, str]:
    """Operation metrics of the table's latest commit (rows inserted, files deleted...)."""
    row = DeltaTable.forPath(spark, path).history(1).select("operationMetrics").head()
    return dict(row[0] or {})


def same_keys(*keys: str) -> Column:
    """A MERGE's match condition: target `t` and source `s` agree on every key column. Every MERGE
    of the project writes its conditions as Columns over the contract's names, through this."""
    return reduce(lambda both, one: both & one, [F.col(f"t.{k}") == F.col(f"s.{k}") for k in keys])


def union_all(frames: list[DataFrame]) -> DataFrame:
    """One DataFrame of several with the same columns (matched by name)."""
    return reduce(DataFrame.unionByName, frames)


def commit_log(spark: SparkSession, path: str) -> DataFrame:
    """The table's commits: version, timestamp, operation, rows added, the writing run's id."""
    metrics = F.col("operationMetrics")
    added = F.coalesce(metrics["numOutputRows"], metrics["numTargetRowsInserted"]).cast("long")
    log = DeltaTable.forPath(spark, path).history()
    return log.select(
        "version", "timestamp", "operation", added.alias("rows_added"), log.userMetadata.alias("run_id")
    )


def table_counts(spark: SparkSession, warehouse: str) -> dict[str, int]:
    """{layer.table: rows} of every table of the warehouse that exists."""
    # count() on a Delta table is answered from the log's file statistics.
    return {
        f"{layer}.{table}": read(spark, table_path(warehouse, layer, table)).count()
        for layer, table in all_tables()
        if exists(spark, table_path(warehouse, layer, table))
    }
