"""The local Athena (`lakehouse query`) on a tiny hand-made warehouse: name resolution, parameters,
Athena's column names and value formats, Trino semantics kept through the transpile, views, errors
and the command's output."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from decimal import Decimal

import pytest

from lakehouse.query import command as query
from lakehouse.query.command import QueryError, run_query
from shared.warehouse import table_path

ORDERS = "order_id bigint, user_id bigint, order_timestamp timestamp, total_amount decimal(12,2), date date"
DAILY = "date date, orders bigint, revenue decimal(12,2), reorder_rate double"
QUARANTINE = "dataset string, reasons array<string>, record map<string,string>"
VIEWS = {
    # A view with an unaliased column (Athena names it _col2) read by another view.
    "daily_revenue.sql": "create or replace view gold.daily_revenue as\n"
    "select date, revenue, count(*) over () from gold.daily_sales\n",
    "top_day.sql": "create or replace view gold.top_day as\n"
    "select date, _col2 as days from gold.daily_revenue order by revenue desc limit 1\n",
    "broken.sql": "create or replace view gold.broken as select * from gold.missing_table\n",
}


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.fixture(scope="module")
def warehouse(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("query")
    wh = str(root / "warehouse")

    def write(layer, table, rows, schema, partition=None):
        writer = spark.createDataFrame(rows, schema).write.format("delta")
        (writer.partitionBy(partition) if partition else writer).save(table_path(wh, layer, table))

    d1, d2 = dt.date(2025, 4, 1), dt.date(2025, 4, 2)
    write(
        "silver",
        "orders",
        [
            (1, 10, ts("2025-04-01 10:00:00"), Decimal("12.50"), d1),
            (2, 10, ts("2025-04-02 23:59:59.123456"), Decimal("7.00"), d2),
            (3, 11, ts("2025-04-02 08:00:00"), Decimal("0.05"), d2),
        ],
        ORDERS,
        partition="date",
    )
    write("gold", "daily_sales", [(d1, 1, Decimal("12.50"), 0.5), (d2, 2, Decimal("7.05"), None)], DAILY)
    write("silver", "quarantine", [("orders", ["NULL_KEY", "BAD_TYPE"], {"order_id": ""})], QUARANTINE)
    write("bronze", "orders", [("1", "x")], "order_id string, _run_id string")
    write("bronze", "_file_ledger", [("f",)], "file string")  # bookkeeping: hidden from queries
    (root / "warehouse" / "gold" / "not_a_table").mkdir()  # a folder without a Delta log
    broken_log = root / "warehouse" / "gold" / "damaged" / "_delta_log"
    broken_log.mkdir(parents=True)
    (broken_log / "00000000000000000000.json").write_text("not json\n")
    views = root / "views"
    views.mkdir()
    for name, text in VIEWS.items():
        (views / name).write_text(text)
    return wh, views


def q(warehouse, sql, params=None):
    wh, views = warehouse
    return run_query(wh, sql, params, views_dir=views)


def test_names_resolve_per_layer_case_insensitively_and_with_the_default_catalog(warehouse):
    assert q(warehouse, "select count(*) as n from bronze.orders") == (["n"], [[1]])
    assert q(warehouse, "SELECT COUNT(*) AS n FROM SILVER.Orders") == (["n"], [[3]])
    assert q(warehouse, "select count(*) as n from awsdatacatalog.gold.daily_sales") == (["n"], [[2]])
    sql = "with orders as (select order_id from silver.orders) select count(*) as n from orders"
    assert q(warehouse, sql) == (["n"], [[3]])  # a CTE may shadow a table name


def test_only_the_tables_a_query_names_are_opened(warehouse):
    # gold.damaged has an unreadable log: queries elsewhere do not notice it.
    assert q(warehouse, "select count(*) as n from silver.orders")[1] == [[3]]
    with pytest.raises(QueryError, match=r"cannot read table gold\.damaged"):
        q(warehouse, "select * from gold.damaged")


def test_parameters_fill_question_marks_in_order_outside_literals_and_comments(warehouse):
    sql = (
        "select order_id, '?' as mark -- is this a ? no\n"
        "from silver.orders /* ? */ where date = ? and total_amount > ? order by order_id"
    )
    assert q(warehouse, sql, ["DATE '2025-04-02'", "1"]) == (["order_id", "mark"], [[2, "?"]])
    assert q(warehouse, "select 10-? as x", ["-1"])[1] == [[11]]  # no accidental `--` comment
    assert q(warehouse, "select ? as s", ["'it''s'"])[1] == [["it's"]]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([], r"1 parameter placeholder\(s\) \(\?\) but 0 value"),
        (["1", "2"], r"1 parameter placeholder\(s\) \(\?\) but 2 value"),
        (["(select 1)"], "parameter 1 is not a SQL literal"),
        (["order_id"], "parameter 1 is not a SQL literal"),
    ],
)
def test_wrong_parameters_are_errors(warehouse, params, message):
    with pytest.raises(QueryError, match=message):
        q(warehouse, "select count(*) from silver.orders where order_id = ?", params)


def test_columns_are_named_as_athena_names_them(warehouse):
    sql = (
        "select count(*), o.user_id, sum(total_amount) * 2, max(order_id) as top "
        "from silver.orders as o group by o.user_id order by o.user_id"
    )
    columns, rows = q(warehouse, sql)
    assert columns == ["_col0", "user_id", "_col2", "top"]
    assert rows == [[2, 10, "39.00", 2], [1, 11, "0.10", 3]]
    columns, _ = q(warehouse, "select *, 1 from gold.daily_sales")
    assert columns == ["date", "orders", "revenue", "reorder_rate", "_col4"]
    columns, _ = q(warehouse, "select 1 as a, 2 union all select 3, 4")
    assert columns == ["a", "_col1"]


def test_values_come_back_json_friendly_as_athena_formats_them(warehouse):
    columns, rows = q(
        warehouse,
        "select date, order_timestamp, total_amount, order_id, cast(total_amount as double) as amount, "
        "null as nothing, total_amount > 1 as big from silver.orders where order_id = 2",
    )
    assert rows == [["2025-04-02", "2025-04-02 23:59:59.123456", "7.00", 2, 7.0, None, True]]
    _, rows = q(warehouse, "select reasons, record, cardinality(reasons) as n from silver.quarantine")
    assert rows == [[["NULL_KEY", "BAD_TYPE"], {"order_id": ""}, 2]]
    _, rows = q(warehouse, "select from_iso8601_timestamp('2025-04-01T10:00:00Z') as t")
    assert rows == [["2025-04-01 10:00:00.000000 UTC"]]
    _, rows = q(warehouse, "select reorder_rate from gold.daily_sales order by date")
    assert rows == [[0.5], [None]]
    json.dumps(rows)


def test_trino_semantics_survive_the_transpile(warehouse):
    sql = """
        select
            date_add('day', 1, date) as next_day,
            date - interval '1' day as previous_day,
            date_trunc('week', date) as week_start,
            date_trunc('month', order_timestamp) as month_start,
            date_diff('month', date '2025-01-31', date) as months,
            date_diff('day', timestamp '2025-04-01 12:00:00', order_timestamp) as days,
            extract(dow from date) as dow,
            day_of_week(date) as iso_day,
            date_format(order_timestamp, '%Y-%m-%d %H:%i') as minute,
            format_datetime(order_timestamp, 'yyyy/MM/dd HH') as hour_text,
            7 / 2 as int_div,
            order_id / 2 as id_div
        from silver.orders
        where order_id = 2
    """
    assert q(warehouse, sql)[1] == [
        [
            "2025-04-03",
            "2025-04-01",
            "2025-03-31",
            "2025-04-01 00:00:00.000000",
            2,  # Jan 31 -> Mar 31 is 2 whole months, not 3 month boundaries
            1,  # 35.99 hours is 1 whole day
            3,  # ISO: Wednesday
            3,
            "2025-04-02 23:59",
            "2025/04/02 23",
            3,
            1,
        ]
    ]
    sql = (
        "select count_if(order_id > 100) as none, approx_distinct(user_id) as users, "
        "max(d) as last_day from silver.orders cross join unnest(sequence(date, date '2025-04-03')) as t (d)"
    )
    assert q(warehouse, sql)[1] == [[0, 2, "2025-04-03"]]


def test_views_are_created_from_their_files_and_named_like_athena(warehouse):
    assert q(warehouse, "select * from gold.daily_revenue order by date") == (
        ["date", "revenue", "_col2"],
        [["2025-04-01", "12.50", 2], ["2025-04-02", "7.05", 2]],
    )
    assert q(warehouse, "select * from gold.top_day") == (["date", "days"], [["2025-04-01", 2]])
    with pytest.raises(QueryError, match=r"unknown table gold\.missing_table"):
        q(warehouse, "select * from gold.broken")


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "select * from silver.nope",
            r"^unknown table silver\.nope in warehouse .*\(silver has: orders, quarantine\)$",
        ),
        ("select * from bronze._file_ledger", r"^unknown table bronze\._file_ledger"),
        ("select * from gold.not_a_table", r"^unknown table gold\.not_a_table"),
        ("select * from platinum.orders", r"^unknown table platinum\.orders"),
        ("select * from other.silver.orders", r"^unknown table other\.silver\.orders"),
        ("select * from orders", r"^unknown table orders: qualify it with its layer"),
        ("select * form silver.orders", r"^syntax error at line 1, column 20 near 'silver'"),
        ("select 'abc", r"^syntax error"),
        ("select 1; select 2", r"^expected one SQL statement, got 2$"),
        ("", r"^expected one SQL statement, got 0$"),
        ("drop table silver.orders", r"^only queries \(SELECT, WITH, VALUES\) run locally, not DROP$"),
        ("select nope from silver.orders", r'^Binder Error: Referenced column "nope" not found'),
        ("select no_such_function(1)", r"^Catalog Error: Scalar Function with name no_such_function"),
    ],
)
def test_errors_are_one_clear_line(warehouse, sql, message):
    with pytest.raises(QueryError, match=message) as error:
        q(warehouse, sql)
    assert "\n" not in str(error.value)


def cli(argv, capsys):
    parser = argparse.ArgumentParser(prog="lakehouse query")
    query.add_arguments(parser)
    code = query.run(parser.parse_args(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_prints_json_a_text_table_or_an_error(warehouse, capsys, tmp_path):
    wh, _ = warehouse
    sql = "select date, revenue, reorder_rate from gold.daily_sales order by date"
    code, out, _ = cli(["--warehouse", wh, "--json", sql], capsys)
    assert code == 0
    assert json.loads(out) == {
        "columns": ["date", "revenue", "reorder_rate"],
        "rows": [["2025-04-01", "12.50", 0.5], ["2025-04-02", "7.05", None]],
    }
    code, out, _ = cli(["--warehouse", wh, sql], capsys)
    assert code == 0
    assert out.splitlines() == [
        "date        revenue  reorder_rate",
        "----------  -------  ------------",
        "2025-04-01    12.50           0.5",
        "2025-04-02     7.05          NULL",
        "(2 rows)",
    ]
    file = tmp_path / "q.sql"
    file.write_text("select count(*) as n from silver.orders where date = ?")
    code, out, _ = cli(
        ["--warehouse", wh, "--json", "--file", str(file), "--param", "DATE '2025-04-02'"], capsys
    )
    assert (code, json.loads(out)) == (0, {"columns": ["n"], "rows": [[2]]})
    code, out, err = cli(["--warehouse", wh, "select * from silver.nope"], capsys)
    assert (code, out) == (2, "")
    assert err.startswith("error: unknown table silver.nope") and "Traceback" not in err
    code, _, err = cli(["--warehouse", wh, "--file", str(file), "select 1"], capsys)
    assert code == 2 and err.startswith("error: give the query")
