"""Gold follows silver's change feed: a corrected order moves between days, a product moves between
departments, and both days / departments are recomputed in a later run."""

import datetime as dt

from lakehouse.pipeline import run_pipeline
from shared import delta
from shared.warehouse import table_path
from tests.drops import header, write_drop

RUN = dt.datetime(2025, 4, 5, tzinfo=dt.UTC)
D1, D2 = dt.date(2025, 4, 1), dt.date(2025, 4, 2)
PRODUCTS, ORDERS, ITEMS = header("products"), header("orders"), header("order_items")


def gold(spark, wh, table, *cols):
    return sorted(tuple(r) for r in delta.read(spark, table_path(wh, "gold", table)).select(*cols).collect())


def test_gold_recomputes_the_days_and_departments_that_changed(spark, tmp_path):
    raw, wh = tmp_path / "raw", str(tmp_path / "wh")
    write_drop(
        raw,
        {
            "products/p.csv": PRODUCTS + "7,1,Books,B\n",
            "orders/o.csv": ORDERS + "1,10,5,2025-04-01T10:00:00,10.00,2025-04-01\n"
            "2,11,5,2025-04-01T11:00:00,5.00,2025-04-01\n",
            "order_items/i.csv": ITEMS + "1,10,5,,7,1,1,2025-04-01T10:00:00,2025-04-01\n",
        },
    )
    assert run_pipeline(spark, str(raw), wh, run_ts=RUN)["status"] == "SUCCEEDED"
    assert gold(spark, wh, "daily_sales", "date", "orders", "revenue") == [(D1, 2, 15)]
    assert gold(spark, wh, "department_daily_sales", "date", "department", "items") == [(D1, "Books", 1)]

    write_drop(
        raw,
        {
            "products/p2.csv": PRODUCTS + "7,1,Toys,B\n",  # product 7 changes department
            # order 11 is corrected to a day later
            "orders/o2.csv": ORDERS + "1,11,5,2025-04-02T09:00:00,7.00,2025-04-02\n",
        },
    )
    assert run_pipeline(spark, str(raw), wh, run_ts=RUN)["status"] == "SUCCEEDED"
    assert gold(spark, wh, "daily_sales", "date", "orders", "revenue") == [(D1, 1, 10), (D2, 1, 7)]
    assert gold(spark, wh, "department_daily_sales", "date", "department", "items") == [(D1, "Toys", 1)]
