"""shared.delta.ensure_table: creating a table is safe to repeat and to race."""

from __future__ import annotations

from delta.tables import DeltaTable
from pyspark.sql import types as T

from shared import delta

SCHEMA = T.StructType([T.StructField("id", T.LongType()), T.StructField("amount", T.LongType())])
CHECKS = {"amount_positive": "amount > 0"}


def constraints(spark, path: str) -> dict:
    properties = DeltaTable.forPath(spark, path).detail().select("properties").head()[0]
    return {k: v for k, v in properties.items() if k.startswith("delta.constraints.")}


def test_an_existing_table_gets_the_constraints_it_lacks(spark, tmp_path):
    path = str(tmp_path / "t")
    delta.ensure_table(spark, path, SCHEMA)  # as a creator that stopped before its constraints
    assert constraints(spark, path) == {}
    delta.ensure_table(spark, path, SCHEMA, checks=CHECKS)
    assert constraints(spark, path) == {"delta.constraints.amount_positive": "amount > 0"}
    delta.ensure_table(spark, path, SCHEMA, checks=CHECKS)  # again: nothing to do
    assert delta.latest_version(spark, path) == 1


def test_a_constraint_another_job_added_first_counts_as_added(spark, tmp_path):
    path = str(tmp_path / "t")
    delta.ensure_table(spark, path, SCHEMA, checks=CHECKS)
    delta.add_constraint(spark, path, "amount_positive", "amount > 0")
    assert list(constraints(spark, path)) == ["delta.constraints.amount_positive"]
