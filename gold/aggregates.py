"""Gold aggregates for analysts (Athena): pure DataFrame -> DataFrame functions over silver."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from shared.contract import DECIMAL_PRECISION, DECIMAL_SCALE

MONEY = f"decimal({DECIMAL_PRECISION},{DECIMAL_SCALE})"
RATE_PLACES = 4


def reorder_rate(reordered: str = "reordered") -> F.Column:
    """Share of items reordered, 4 places; null when there are no items."""
    return F.round(F.avg(F.col(reordered).cast("double")), RATE_PLACES)


def daily_sales(orders: DataFrame, items: DataFrame) -> DataFrame:
    """One row per date present in silver orders: orders, revenue, customers, average order value,
    items of that date and their reorder rate."""
    per_order = orders.groupBy("date").agg(
        F.count(F.lit(1)).alias("orders"),
        F.sum("total_amount").alias("revenue"),
        F.countDistinct("user_id").alias("customers"),
    )
    per_item = items.groupBy("date").agg(
        F.count(F.lit(1)).alias("items"), reorder_rate().alias("reorder_rate")
    )
    final = per_order.join(per_item, on="date", how="left")
    return final.select(
        F.col("date"),
        F.col("orders").cast("bigint").alias("orders"),
        F.col("revenue").cast(MONEY).alias("revenue"),
        F.col("customers").cast("bigint").alias("customers"),
        F.round(F.col("revenue") / F.col("orders"), DECIMAL_SCALE).cast(MONEY).alias("avg_order_value"),
        F.coalesce(F.col("items"), F.lit(0)).cast("bigint").alias("items"),
        F.col("reorder_rate").cast("double").alias("reorder_rate"),
    )


def department_daily_sales(items: DataFrame, products: DataFrame) -> DataFrame:
    """Per item date and department (the product's current department name): items, distinct
    orders and reorder rate."""
    named = items.join(products.select("product_id", "department"), on="product_id", how="inner")
    final = named.groupBy("date", "department").agg(
        F.count(F.lit(1)).alias("items"),
        F.countDistinct("order_id").alias("orders"),
        reorder_rate().alias("reorder_rate"),
    )
    return final.select(
        F.col("date"),
        F.col("department"),
        F.col("items").cast("bigint").alias("items"),
        F.col("orders").cast("bigint").alias("orders"),
        F.col("reorder_rate").cast("double").alias("reorder_rate"),
    )
