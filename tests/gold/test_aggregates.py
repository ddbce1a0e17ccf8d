"""Gold aggregates on small in-line silver rows."""

import datetime as dt
from decimal import Decimal

from chispa import assert_df_equality

from gold.aggregates import daily_sales, department_daily_sales

D1, D2 = dt.date(2025, 4, 1), dt.date(2025, 4, 2)


def test_daily_sales(spark):
    orders = spark.createDataFrame(
        [(1, 5, Decimal("10.00"), D1), (2, 5, Decimal("20.01"), D1), (3, 6, Decimal("1.00"), D2)],
        "order_id long, user_id long, total_amount decimal(12,2), date date",
    )
    items = spark.createDataFrame(
        [(1, 1, D1), (2, 0, D1), (3, 0, D1)], "order_id long, reordered int, date date"
    )
    expected = spark.createDataFrame(
        [
            (D1, 2, Decimal("30.01"), 1, Decimal("15.01"), 3, 0.3333),
            (D2, 1, Decimal("1.00"), 1, Decimal("1.00"), 0, None),  # no items: no rate
        ],
        "date date, orders long, revenue decimal(12,2), customers long, avg_order_value decimal(12,2), "
        "items long, reorder_rate double",
    )
    assert_df_equality(daily_sales(orders, items), expected, ignore_row_order=True, ignore_nullable=True)


def test_department_daily_sales_uses_the_products_department(spark):
    items = spark.createDataFrame(
        [(1, 7, 1, D1), (1, 8, 0, D1), (2, 7, 1, D1), (3, 8, 1, D2)],
        "order_id long, product_id long, reordered int, date date",
    )
    products = spark.createDataFrame([(7, "Books"), (8, "Toys")], "product_id long, department string")
    expected = spark.createDataFrame(
        [(D1, "Books", 2, 2, 1.0), (D1, "Toys", 1, 1, 0.0), (D2, "Toys", 1, 1, 1.0)],
        "date date, department string, items long, orders long, reorder_rate double",
    )
    got = department_daily_sales(items, products)
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)
