"""Small helpers over Delta Lake tables addressed by path."""

from __future__ import annotations

from functools import reduce

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StructType


def exists(spark: SparkSession, path: str) -> bool:
    return DeltaTable.isDeltaTable(spark, path)


def ensure_table(
    spark: SparkSession,
    path: str,
    schema: StructType,
    partition_by: str | None = None,
    properties: dict[str, str] | None = None,
    checks: dict[str, str] | None = None,
) -> DeltaTable:
    """Create the table at `path` if it is missing, with its schema, partitioning, properties and
    CHECK constraints; NOT NULL comes from the schema's nullability. Existing tables are left alone."""
    if exists(spark, path):
        return DeltaTable.forPath(spark, path)
    builder = DeltaTable.createIfNotExists(spark).location(path).addColumns(schema)
    if partition_by:
        builder = builder.partitionedBy(partition_by)
    for key, value in (properties or {}).items():
        builder = builder.property(key, value)
    table = builder.execute()
    for name, expr in (checks or {}).items():
        spark.sql(f"ALTER TABLE delta.`{path}` ADD CONSTRAINT {name} CHECK ({expr})")
    return table


def latest_version(spark: SparkSession, path: str) -> int:
    """The table's current version, read from its log (one history row, no data)."""
    return DeltaTable.forPath(spark, path).history(1).select("version").head()[0]


def read(spark: SparkSession, path: str) -> DataFrame:
    return spark.read.format("delta").load(path)


def last_operation_metrics(spark: SparkSession, path: str) -> dict[str, str]:
    """Operation metrics of the table's latest commit (rows inserted, updated, written...)."""
    row = DeltaTable.forPath(spark, path).history(1).select("operationMetrics").head()
    return dict(row[0] or {})


def union_all(frames: list[DataFrame]) -> DataFrame:
    """One DataFrame of several with the same columns (matched by name)."""
    return reduce(DataFrame.unionByName, frames)
