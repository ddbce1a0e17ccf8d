"""Every file under sql/ runs through the local Athena against one generated, pipeline-built
warehouse, with asserted results: validation queries pass on it and fail on a copy broken in
exactly the way each one looks for; views and analytics equal an independent computation in plain
Python over the silver and gold rows read with Spark. A new sql/ file without an entry in CHECKS
fails the suite."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from delta.tables import DeltaTable
from pyspark.sql import functions as F

from lakehouse.generate.drop import generate
from lakehouse.pipeline import run_pipeline
from lakehouse.query.command import run_query
from shared.warehouse import table_path

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
SQL_FILES = sorted(p.relative_to(SQL_DIR).as_posix() for p in SQL_DIR.rglob("*.sql"))
RUN_TS = dt.datetime(2025, 4, 5, tzinfo=dt.UTC)
FIRST, LAST = dt.date(2025, 4, 1), dt.date(2025, 4, 3)
DATES = [f"DATE '{FIRST}'", f"DATE '{LAST}'"]
TABLES = [("silver", "orders"), ("silver", "order_items"), ("silver", "products")]
TABLES += [("gold", "daily_sales"), ("gold", "department_daily_sales")]
TOLERANCE = 0.011  # doubles rounded to 2 places by two engines may differ in the last place


@dataclass
class Lake:
    warehouse: str
    summary: dict
    rows: dict[str, list[dict]]  # "<layer>.<table>" -> rows as dicts, read with Spark

    @property
    def run_id(self) -> str:
        return self.summary["run_id"]


@pytest.fixture(scope="module")
def lake(spark, tmp_path_factory) -> Lake:
    root = tmp_path_factory.mktemp("sql")
    generate(root / "raw", orders=300, days=3, defects=0.03, seed=5)
    warehouse = str(root / "warehouse")
    summary = run_pipeline(spark, str(root / "raw"), warehouse, run_ts=RUN_TS)
    assert summary["status"] == "SUCCEEDED", summary.get("error")
    rows = {}
    for layer, table in TABLES:
        df = spark.read.format("delta").load(table_path(warehouse, layer, table))
        if "order_timestamp" in df.columns:  # the UTC hour, whatever the Python process's time zone
            df = df.withColumn("order_hour", F.hour("order_timestamp"))
        rows[f"{layer}.{table}"] = [r.asDict() for r in df.collect()]
    return Lake(warehouse, summary, rows)


def sql(name: str) -> str:
    return (SQL_DIR / name).read_text()


def one_row(warehouse: str, name: str, params: list[str] | None = None) -> dict:
    columns, rows = run_query(warehouse, sql(name), params)
    assert len(rows) == 1 and "failures" in columns, (columns, rows)
    return dict(zip(columns, rows[0], strict=True))


def broken_copy(lake: Lake, tmp_path: Path) -> str:
    copy = str(tmp_path / "warehouse")
    shutil.copytree(lake.warehouse, copy)
    return copy


def delta_table(spark, warehouse: str, layer: str, table: str) -> DeltaTable:
    return DeltaTable.forPath(spark, table_path(warehouse, layer, table))


def money(value: Decimal) -> str:
    return format(value, "f")


def assert_rows(actual: list[list], expected: list[list]) -> None:
    """Equal row by row; doubles within TOLERANCE."""
    assert len(actual) == len(expected), (actual, expected)
    for got, want in zip(actual, expected, strict=True):
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            if isinstance(w, float):
                assert g == pytest.approx(w, abs=TOLERANCE), (got, want)
            else:
                assert g == w, (got, want)


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


# ---- validation ---------------------------------------------------------------------------------


def check_pk_unique(lake, spark, tmp_path):
    assert one_row(lake.warehouse, "validation/pk_unique_silver.sql")["failures"] == 0
    broken = broken_copy(lake, tmp_path)
    path = table_path(broken, "silver", "orders")
    spark.read.format("delta").load(path).limit(1).write.format("delta").mode("append").save(path)
    result = one_row(broken, "validation/pk_unique_silver.sql")
    assert (result["failures"], result["duplicate_orders"], result["duplicate_order_items"]) == (1, 1, 0)


def check_ri_order_items(lake, spark, tmp_path):
    assert one_row(lake.warehouse, "validation/ri_silver_order_items.sql")["failures"] == 0
    items = lake.rows["silver.order_items"]
    by_order = Counter(i["order_id"] for i in items)
    by_product = Counter(i["product_id"] for i in items)
    order_id = min(by_order)  # its items lose their order
    product_id = next(
        p for p in sorted(by_product) if all(i["order_id"] != order_id or i["product_id"] != p for i in items)
    )
    mismatched = next(i for i in items if i["order_id"] != order_id and i["product_id"] != product_id)
    broken = broken_copy(lake, tmp_path)
    delta_table(spark, broken, "silver", "orders").delete(F.col("order_id") == order_id)
    delta_table(spark, broken, "silver", "products").delete(F.col("product_id") == product_id)
    delta_table(spark, broken, "silver", "order_items").update(
        F.col("id") == mismatched["id"], {"user_id": F.col("user_id") + 1}
    )
    result = one_row(broken, "validation/ri_silver_order_items.sql")
    assert result == {
        "failures": by_order[order_id] + by_product[product_id] + 1,
        "missing_orders": by_order[order_id],
        "missing_products": by_product[product_id],
        "user_mismatches": 1,
    }


def check_freshness(lake, spark, tmp_path):
    clean = one_row(lake.warehouse, "validation/freshness.sql", DATES)
    assert clean == {"failures": 0, "dates_checked": 3, "dates_without_orders": 0, "dates_missing_in_gold": 0}
    # A day of the run without orders: the range goes one day past the data.
    later = one_row(
        lake.warehouse, "validation/freshness.sql", [DATES[0], f"DATE '{LAST + dt.timedelta(days=1)}'"]
    )
    assert (later["failures"], later["dates_without_orders"]) == (1, 1)
    broken = broken_copy(lake, tmp_path)
    delta_table(spark, broken, "gold", "daily_sales").delete(F.col("date") == F.lit(FIRST))
    result = one_row(broken, "validation/freshness.sql", DATES)
    assert (result["failures"], result["dates_missing_in_gold"]) == (1, 1)


def check_rejected_ratio(lake, spark, tmp_path):
    datasets = lake.summary["datasets"]
    ratios = {d: s["rejected"] / s["rows_read"] for d, s in datasets.items() if s["rows_read"]}
    threshold = round(max(ratios.values()) + 0.001, 6)
    params = [f"'{lake.run_id}'", repr(threshold)]
    clean = one_row(lake.warehouse, "validation/rejected_ratio.sql", params)
    assert clean["failures"] == 0
    assert clean["max_rejected_ratio"] == pytest.approx(max(ratios.values()))
    assert clean["rows_read"] == sum(s["rows_read"] for s in datasets.values())
    assert one_row(lake.warehouse, "validation/rejected_ratio.sql", [f"'{lake.run_id}'", "0.0"])[
        "failures"
    ] == len([r for r in ratios.values() if r > 0])
    # 30 more rejected orders in the run: over the threshold for orders only.
    broken = broken_copy(lake, tmp_path)
    path = table_path(broken, "silver", "quarantine")
    quarantine = spark.read.format("delta").load(path)
    sample = quarantine.where((F.col("run_id") == lake.run_id) & (F.col("dataset") == "orders")).limit(1)
    extra = sample.crossJoin(spark.range(30)).withColumn(
        "row_number", F.col("row_number") + 1_000_000 + F.col("id")
    )
    extra = extra.withColumn("disposition", F.lit("rejected")).select(*quarantine.columns)
    extra.write.format("delta").mode("append").save(path)
    assert one_row(broken, "validation/rejected_ratio.sql", params)["failures"] == 1


def check_gold_reconciliation(lake, spark, tmp_path):
    clean = one_row(lake.warehouse, "validation/gold_reconciliation.sql")
    assert clean == {"failures": 0, "dates_compared": 3}
    broken = broken_copy(lake, tmp_path)
    delta_table(spark, broken, "gold", "daily_sales").update(
        F.col("date") == F.lit(LAST), {"revenue": F.col("revenue") + F.lit(Decimal("0.01"))}
    )
    assert one_row(broken, "validation/gold_reconciliation.sql") == {"failures": 1, "dates_compared": 3}


# ---- views --------------------------------------------------------------------------------------


def check_weekly_sales(lake, spark, tmp_path):
    weeks = defaultdict(lambda: [0, 0, Decimal(0), 0])
    for day in lake.rows["gold.daily_sales"]:
        week = weeks[monday(day["date"])]
        week[0] += 1
        week[1] += day["orders"]
        week[2] += day["revenue"]
        week[3] += day["items"]
    expected = [
        [
            str(w),
            days,
            orders,
            money(revenue),
            items,
            round(float(revenue) / orders, 2),
            round(items / orders, 2),
        ]
        for w, (days, orders, revenue, items) in sorted(weeks.items())
    ]
    columns, rows = run_query(lake.warehouse, "select * from gold.weekly_sales order by week_start")
    assert columns == [
        "week_start",
        "days_with_sales",
        "orders",
        "revenue",
        "items",
        "avg_order_value",
        "items_per_order",
    ]
    assert_rows(rows, expected)


def check_department_trends(lake, spark, tmp_path):
    sales = {(r["date"], r["department"]): r["items"] for r in lake.rows["gold.department_daily_sales"]}
    first, last = min(d for d, _ in sales), max(d for d, _ in sales)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    departments = sorted({dep for _, dep in sales})
    expected = []
    for day in days:
        total = sum(sales.get((day, dep), 0) for dep in departments)
        for dep in departments:
            window = [sales.get((d, dep), 0) for d in days if day - dt.timedelta(days=6) <= d <= day]
            items = sales.get((day, dep), 0)
            share = round(items / total, 4) if total else None
            expected.append([str(day), dep, items, sum(window), round(sum(window) / len(window), 2), share])
    columns, rows = run_query(
        lake.warehouse, "select * from gold.department_trends order by date, department"
    )
    assert columns == ["date", "department", "items", "items_7d", "avg_daily_items_7d", "share_of_items"]
    assert_rows(rows, expected)


def item_departments(lake) -> list[tuple[dict, str]]:
    """Silver items with their product's current department (as gold names them)."""
    department = {p["product_id"]: p["department"] for p in lake.rows["silver.products"]}
    return [
        (i, department[i["product_id"]])
        for i in lake.rows["silver.order_items"]
        if i["product_id"] in department
    ]


def check_reorder_rates(lake, spark, tmp_path):
    counts = defaultdict(lambda: [0, 0])
    for item, dep in item_departments(lake):
        counts[(monday(item["date"]), dep)][0] += 1
        counts[(monday(item["date"]), dep)][1] += item["reordered"]
    rates = {key: round(reordered / items, 4) for key, (items, reordered) in counts.items()}
    expected = []
    for (week, dep), (items, reordered) in sorted(counts.items()):
        rank = 1 + sum(1 for (w, _), r in rates.items() if w == week and r > rates[(week, dep)])
        expected.append([str(week), dep, items, reordered, rates[(week, dep)], rank])
    columns, rows = run_query(
        lake.warehouse, "select * from gold.reorder_rates order by week_start, department"
    )
    assert columns == ["week_start", "department", "items", "reordered_items", "reorder_rate", "rank_in_week"]
    assert_rows(rows, expected)


# ---- analytics ----------------------------------------------------------------------------------


def check_top_departments(lake, spark, tmp_path):
    pairs = item_departments(lake)
    last = max(item["date"] for item, _ in pairs)
    recent = [(item, dep) for item, dep in pairs if item["date"] > last - dt.timedelta(days=7)]
    items = Counter(dep for _, dep in recent)
    orders = {dep: len({(i["date"], i["order_id"]) for i, d in recent if d == dep}) for dep in items}
    total = sum(items.values())
    expected = [
        [
            1 + sum(1 for n in items.values() if n > items[dep]),
            dep,
            items[dep],
            orders[dep],
            round(items[dep] / total, 4),
        ]
        for dep in items
    ]
    expected.sort(key=lambda row: (row[0], row[1]))
    columns, rows = run_query(lake.warehouse, sql("analytics/top_departments_last_7_days.sql"))
    assert columns == ["department_rank", "department", "items", "orders_with_department", "share_of_items"]
    assert_rows(rows, expected)


def check_revenue_day_over_day(lake, spark, tmp_path):
    days = defaultdict(lambda: [0, Decimal(0)])
    for order in lake.rows["silver.orders"]:
        days[order["date"]][0] += 1
        days[order["date"]][1] += order["total_amount"]
    expected = []
    for day, (orders, revenue) in sorted(days.items()):
        previous = days[day - dt.timedelta(days=1)][1] if day - dt.timedelta(days=1) in days else None
        change = revenue - previous if previous is not None else None
        pct = round(float(change) / float(previous) * 100, 2) if previous is not None else None
        row = [str(day), orders, money(revenue), previous and money(previous), change and money(change), pct]
        expected.append(row)
    columns, rows = run_query(lake.warehouse, sql("analytics/revenue_day_over_day.sql"))
    assert columns == [
        "date",
        "orders",
        "revenue",
        "previous_revenue",
        "revenue_change",
        "revenue_change_pct",
    ]
    assert_rows(rows, expected)
    assert rows[0][3] is None and all(row[3] is not None for row in rows[1:])


def check_basket_size(lake, spark, tmp_path):
    per_order = Counter(i["order_id"] for i in lake.rows["silver.order_items"])
    days = defaultdict(list)
    for order in lake.rows["silver.orders"]:
        if order["order_id"] in per_order:
            days[order["date"].isoweekday(), order["date"].strftime("%A")].append(
                per_order[order["order_id"]]
            )
    expected = [[n, name, len(b), sum(b), round(sum(b) / len(b), 2)] for (n, name), b in sorted(days.items())]
    columns, rows = run_query(lake.warehouse, sql("analytics/basket_size_by_weekday.sql"))
    assert columns == ["iso_weekday", "weekday_name", "orders", "items", "avg_items_per_order"]
    assert_rows(rows, expected)


def check_repeat_customers(lake, spark, tmp_path):
    customers = defaultdict(list)
    for order in lake.rows["silver.orders"]:
        customers[order["user_id"]].append(order)
    repeat = []
    for user, orders in customers.items():
        if len(orders) > 1:
            revenue = sum(o["total_amount"] for o in orders)
            first, last = min(o["date"] for o in orders), max(o["date"] for o in orders)
            repeat.append([user, len(orders), revenue, first, last])
    repeat.sort(key=lambda r: (-r[1], -r[2], r[0]))
    expected = [[u, n, money(rev), str(f), str(la), (la - f).days] for u, n, rev, f, la in repeat[:20]]
    assert expected, "the generated data should hold repeat customers"
    columns, rows = run_query(lake.warehouse, sql("analytics/repeat_customers.sql"))
    assert columns == [
        "user_id",
        "orders",
        "revenue",
        "first_order_date",
        "last_order_date",
        "days_between_first_and_last",
    ]
    assert_rows(rows, expected)


def check_orders_by_hour(lake, spark, tmp_path):
    hours = defaultdict(list)
    for order in lake.rows["silver.orders"]:
        hours[order["order_hour"]].append(order["total_amount"])
    expected = [
        [h, len(a), money(sum(a)), round(float(sum(a)) / len(a), 2)] for h, a in sorted(hours.items())
    ]
    columns, rows = run_query(lake.warehouse, sql("analytics/orders_by_hour.sql"))
    assert columns == ["order_hour", "orders", "revenue", "avg_order_value"]
    assert_rows(rows, expected)


CHECKS = {
    "validation/pk_unique_silver.sql": check_pk_unique,
    "validation/ri_silver_order_items.sql": check_ri_order_items,
    "validation/freshness.sql": check_freshness,
    "validation/rejected_ratio.sql": check_rejected_ratio,
    "validation/gold_reconciliation.sql": check_gold_reconciliation,
    "views/weekly_sales.sql": check_weekly_sales,
    "views/department_trends.sql": check_department_trends,
    "views/reorder_rates.sql": check_reorder_rates,
    "analytics/top_departments_last_7_days.sql": check_top_departments,
    "analytics/revenue_day_over_day.sql": check_revenue_day_over_day,
    "analytics/basket_size_by_weekday.sql": check_basket_size,
    "analytics/repeat_customers.sql": check_repeat_customers,
    "analytics/orders_by_hour.sql": check_orders_by_hour,
}


@pytest.mark.parametrize("name", SQL_FILES)
def test_sql_file_gives_the_asserted_results(name, lake, spark, tmp_path):
    assert name in CHECKS, f"sql/{name} has no asserted expectations: add a check to CHECKS in {__file__}"
    CHECKS[name](lake, spark, tmp_path)


def test_every_check_has_its_file():
    assert sorted(CHECKS) == SQL_FILES
