"""The bare medallion the benchmark sets beside the floor, on a small generated drop."""

from __future__ import annotations

from datetime import date, timedelta

from pyspark.sql import functions as F

from lakehouse.bench.bare import bare_increment, bare_medallion
from lakehouse.bench.run import split_days
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


def test_the_bare_daily_form_adds_a_day_and_rewrites_only_its_gold_rows(spark, tmp_path):
    all_days = tmp_path / "all"
    generate(all_days, orders=60, days=3, products=20, seed=5, start_date="2025-01-01")
    days = [date(2025, 1, 1) + timedelta(days=n) for n in range(3)]
    history = split_days(all_days, days[:2], tmp_path / "history", True)
    today = split_days(all_days, days[2:], tmp_path / "today", False)
    out = str(tmp_path / "bare")
    bare_medallion(spark, str(history), out)
    before = spark.read.format("delta").load(f"{out}/gold/daily_sales").orderBy("date").collect()

    seconds = bare_increment(spark, str(today), out)["seconds_by_phase"]

    assert list(seconds) == ["bronze", "silver", "gold"]
    orders = spark.read.format("delta").load(f"{out}/silver/orders")
    assert orders.count() == spark.read.format("delta").load(f"{out}/bronze/orders").count() == 60
    daily = spark.read.format("delta").load(f"{out}/gold/daily_sales").orderBy("date").collect()
    assert [r.date for r in daily] == days
    assert daily[:2] == before  # the earlier days' rows are untouched
    assert sum(r.orders for r in daily) == 60
