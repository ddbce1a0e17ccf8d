"""The bare medallion the benchmark sets beside the floor, on a small generated drop."""

from __future__ import annotations

from pyspark.sql import functions as F

from lakehouse.bench.bare import bare_medallion
from lakehouse.generate.drop import generate


def test_bare_layers_hold_every_row_once_and_gold_adds_up(spark, tmp_path):
    manifest = generate(tmp_path / "raw", orders=40, days=2, products=20, seed=3)
    out = str(tmp_path / "bare")
    seconds = bare_medallion(spark, str(tmp_path / "raw"), out)["seconds_by_phase"]
    assert list(seconds) == ["bronze", "silver", "gold"]
    for dataset, stats in manifest["datasets"].items():
        bronze = spark.read.format("delta").load(f"{out}/bronze/{dataset}")
        silver = spark.read.format("delta").load(f"{out}/silver/{dataset}")
        assert bronze.count() == silver.count() == stats["rows_read"]
        assert bronze.filter(F.col("_source_file").isNull()).isEmpty()
    daily = spark.read.format("delta").load(f"{out}/gold/daily_sales")
    assert daily.agg(F.sum("orders")).first()[0] == manifest["datasets"]["orders"]["rows_read"]
    assert daily.count() == 2
