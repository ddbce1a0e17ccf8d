"""Gold for one run: recompute only the dates the run touched, replacing exactly those rows."""

from __future__ import annotations

import datetime as dt

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from gold.aggregates import daily_sales, department_daily_sales
from shared import delta
from shared.contract import DAILY_SALES, DEPARTMENT_DAILY_SALES, GOLD, ORDER_ITEMS, ORDERS, PRODUCTS, SILVER
from shared.warehouse import table_path


def _silver(spark: SparkSession, warehouse: str, dataset: str, dates: list[dt.date]) -> DataFrame:
    # Orders and items are partitioned by date, so this filter prunes to the touched partitions.
    return delta.read(spark, table_path(warehouse, SILVER, dataset)).where(F.col("date").isin(dates))


def replace_dates(path: str, rows: DataFrame, dates: list[dt.date]) -> None:
    """Atomically replace the rows of `dates` (one Delta commit); other dates stay as they are."""
    predicate = "date IN ({})".format(", ".join(f"DATE'{d.isoformat()}'" for d in dates))
    rows.write.format("delta").mode("overwrite").option("replaceWhere", predicate).save(path)


def run_gold(spark: SparkSession, warehouse: str, dates: list[dt.date]) -> None:
    orders = _silver(spark, warehouse, ORDERS, dates)
    items = _silver(spark, warehouse, ORDER_ITEMS, dates)
    products = delta.read(spark, table_path(warehouse, SILVER, PRODUCTS))
    tables = {
        DAILY_SALES: daily_sales(orders, items),
        DEPARTMENT_DAILY_SALES: department_daily_sales(items, products),
    }
    for name, rows in tables.items():
        path = table_path(warehouse, GOLD, name)
        if not delta.exists(spark, path):
            rows.write.format("delta").save(path)  # first run: creates the table with its schema
        elif dates:
            replace_dates(path, rows, dates)
