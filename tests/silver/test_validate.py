"""silver.validate: typing, trimming and the contract's row reasons, one DataFrame per dataset.

Each dataset's cases share one bronze-shaped DataFrame keyed by a `case` column (which also plays the
part of a pass-through lineage column); reasons are checked for every case, typed values for the
cases where a value is the point.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial

from chispa import assert_df_equality
from pyspark.sql import functions as F
from pyspark.sql.types import (
    ArrayType,
    DateType,
    DecimalType,
    IntegerType,
    LongType,
    MapType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from shared import contract as c
from silver.validate import validate

UTC = dt.UTC
RUN_TS = dt.datetime(2025, 4, 2, 12, 0, tzinfo=UTC)
CASE = "case"
SPARK_TYPES = {
    c.BIGINT: LongType(),
    c.INT: IntegerType(),
    c.DECIMAL: DecimalType(c.DECIMAL_PRECISION, c.DECIMAL_SCALE),
    c.TIMESTAMP: TimestampType(),
    c.DATE: DateType(),
    c.STRING: StringType(),
}
BASE = {
    c.PRODUCTS: ("1", "4", "Books", "Product_1_Store"),
    c.ORDERS: ("90", "10000", "1990", "2025-04-01T11:27:00", "229.53", "2025-04-01"),
    c.ORDER_ITEMS: ("1", "10000", "1990", "10", "988", "1", "0", "2025-04-01T11:27:00", "2025-04-01"),
}
TS = dt.datetime(2025, 4, 1, 11, 27, tzinfo=UTC)
DAY = dt.date(2025, 4, 1)
NONE, MALFORMED = [], [c.MALFORMED_ROW]


def case(dataset: str, name: str, malformed: str | None = None, **values: str | None) -> tuple:
    """One bronze row: the dataset's valid course row with some fields replaced."""
    row = dict(zip(c.FIELD_NAMES[dataset], BASE[dataset], strict=True))
    assert set(values) <= set(row), values
    row.update(values)
    return (name, *row.values(), malformed)


def each(reasons: list[str], *names: str) -> dict[str, list[str]]:
    return dict.fromkeys(names, reasons)


def bronze(spark, dataset: str, rows: list[tuple]):
    fields = [StructField(name, StringType()) for name in (CASE, *c.FIELD_NAMES[dataset], c.MALFORMED_RECORD)]
    return spark.createDataFrame(rows, StructType(fields))


def check_reasons(actual, expected: dict[str, list[str]], spark) -> None:
    schema = StructType([StructField(CASE, StringType()), StructField(c.REASONS, ArrayType(StringType()))])
    assert_df_equality(
        actual.select(CASE, c.REASONS),
        spark.createDataFrame(list(expected.items()), schema),
        ignore_row_order=True,
        ignore_nullable=True,
    )


def check_typed(actual, dataset: str, expected: dict[str, tuple], spark) -> None:
    fields = c.FIELDS[dataset]
    schema = StructType(
        [StructField(CASE, StringType())] + [StructField(f.name, SPARK_TYPES[f.type]) for f in fields]
    )
    assert_df_equality(
        actual.where(actual[CASE].isin(list(expected))).select(CASE, *(f.name for f in fields)),
        spark.createDataFrame([(name, *values) for name, values in expected.items()], schema),
        ignore_row_order=True,
        ignore_nullable=True,
    )


def test_products(spark):
    p = partial(case, c.PRODUCTS)
    rows = [
        p("valid"),
        p(
            "trimmed",
            product_id=" 2 ",
            department_id="\t4\r\n",
            department="\x0b\f Books ",
            product_name=" P 2\t",
        ),
        p("nbsp_is_not_space", product_id="\u00a01"),
        p("line_separator", product_id="1\u2028"),
        p("signed_and_padded", product_id="+7", department_id="007"),
        p("bigint_max", product_id="9223372036854775807"),
        p("bigint_overflow", product_id="9223372036854775808"),
        p("zero", product_id="0"),
        p("negative", product_id="-3"),
        p("decimal_notation", product_id="10.0"),
        p("exponent", product_id="1e3"),
        p("hex", product_id="0x1"),
        p("thousands", product_id="1,000"),
        p("inner_space", department_id="1 0"),
        p("empty_key", product_id=""),
        p("blank_key", product_id=" \t "),
        p("null_key", product_id=None),
        p("missing_strings", department="  ", product_name=None),
        p("missing_department_id", department_id=""),
        p("several", product_id="", department_id="abc", department=""),
        p("distinct", product_id="-1", department_id="0"),
        p("malformed", malformed="1,4,Books,Product_1_Store,extra"),
        p("malformed_empty", malformed=",,", product_id=None, department_id=None),
    ]
    out = validate(bronze(spark, c.PRODUCTS, rows), c.PRODUCTS, RUN_TS)
    check_reasons(
        out,
        {
            "valid": NONE,
            "trimmed": NONE,
            "nbsp_is_not_space": [c.BAD_TYPE],
            "line_separator": [c.BAD_TYPE],
            "signed_and_padded": NONE,
            "bigint_max": NONE,
            "bigint_overflow": [c.BAD_TYPE],
            "zero": [c.OUT_OF_RANGE],
            "negative": [c.OUT_OF_RANGE],
            "decimal_notation": [c.BAD_TYPE],
            "exponent": [c.BAD_TYPE],
            "hex": [c.BAD_TYPE],
            "thousands": [c.BAD_TYPE],
            "inner_space": [c.BAD_TYPE],
            "empty_key": [c.NULL_KEY],
            "blank_key": [c.NULL_KEY],
            "null_key": [c.NULL_KEY],
            "missing_strings": [c.MISSING_VALUE],
            "missing_department_id": [c.MISSING_VALUE],
            "several": [c.BAD_TYPE, c.MISSING_VALUE, c.NULL_KEY],
            "distinct": [c.OUT_OF_RANGE],
            "malformed": MALFORMED,
            "malformed_empty": MALFORMED,
        },
        spark,
    )
    check_typed(
        out,
        c.PRODUCTS,
        {
            "valid": (1, 4, "Books", "Product_1_Store"),
            "trimmed": (2, 4, "Books", "P 2"),
            "signed_and_padded": (7, 7, "Books", "Product_1_Store"),
            "bigint_max": (9223372036854775807, 4, "Books", "Product_1_Store"),
            "bigint_overflow": (None, 4, "Books", "Product_1_Store"),
            "several": (None, None, None, "Product_1_Store"),
            "malformed": (None, None, None, None),
        },
        spark,
    )


def test_orders(spark):
    o = partial(case, c.ORDERS)
    rows = [
        o("valid"),
        o("ts_space", order_timestamp="2025-04-01 11:27:00"),
        o("ts_no_seconds", order_timestamp="2025-04-01T11:27"),
        o("ts_z", order_timestamp=" 2025-04-01T11:27:00Z "),
        o("ts_plus_offset", order_timestamp="2025-04-01T10:00:00+02:00"),
        o("ts_minus_offset", order_timestamp="2025-04-01T10:00:00-05:30"),
        o("ts_millis", order_timestamp="2025-04-01T11:27:00.5"),
        o("ts_nanos", order_timestamp="2025-04-01T11:27:00.123456789"),
        o("ts_truncated", order_timestamp="2025-04-01T11:27:59.9999999Z"),
        o("ts_offset_next_day", order_timestamp="2025-04-01T23:30:00-02:00"),
        o("ts_offset_next_day_ok", order_timestamp="2025-04-01T23:30:00-02:00", date="2025-04-02"),
        o("ts_month_13", order_timestamp="2025-13-01T00:00:00"),
        o("ts_feb_30", order_timestamp="2025-02-30T00:00:00"),
        o("ts_hour_24", order_timestamp="2025-04-01T24:00:00"),
        o("ts_minute_60", order_timestamp="2025-04-01T11:60:00"),
        o("ts_second_60", order_timestamp="2025-04-01T11:59:60"),
        o("ts_date_only", order_timestamp="2025-04-01"),
        o("ts_slashes", order_timestamp="2025/04/01 11:27:00"),
        o("ts_short_offset", order_timestamp="2025-04-01T11:27:00+02"),
        o("ts_offset_too_big", order_timestamp="2025-04-01T11:27:00+24:00"),
        o("ts_offset_23_59", order_timestamp="2025-04-01T23:00:00+23:59", date="2025-03-31"),
        o("ts_offset_minute_60", order_timestamp="2025-04-01T11:27:00+02:60"),
        o("ts_fraction_no_seconds", order_timestamp="2025-04-01T11:27.5"),
        o("ts_epoch", order_timestamp="1743506820"),
        o("ts_missing", order_timestamp=" "),
        o("ts_before_min", order_timestamp="1999-12-31T23:59:59", date="1999-12-31"),
        o("ts_min", order_timestamp="2000-01-01T00:00:00", date="2000-01-01"),
        o("ts_before_min_by_offset", order_timestamp="2000-01-01T01:00:00+02:00", date="2000-01-01"),
        o("ts_max", order_timestamp="2025-04-03T12:00:00", date="2025-04-03"),
        o("ts_after_max", order_timestamp="2025-04-03T12:00:00.000001", date="2025-04-03"),
        o("ts_run_plus_2_days", order_timestamp="2025-04-04T12:00:00", date="2025-04-04"),
        o("amount_int", total_amount="12"),
        o("amount_one_place", total_amount="12.5"),
        o("amount_two_places", total_amount="12.50"),
        o("amount_no_int_part", total_amount=".5"),
        o("amount_plus", total_amount="+3.10"),
        o("amount_negative_zero", total_amount="-0.00"),
        o("amount_max", total_amount="9999999999.99"),
        o("amount_too_big", total_amount="10000000000"),
        o("amount_negative", total_amount="-1.00"),
        o("amount_three_places", total_amount="1.234"),
        o("amount_trailing_zero_place", total_amount="1.230"),
        o("amount_exponent", total_amount="1e3"),
        o("amount_trailing_dot", total_amount="12."),
        o("amount_line_separator", total_amount="12\u2028"),
        o("amount_thousands", total_amount="1,000.00"),
        o("amount_currency", total_amount="$12"),
        o("amount_nan", total_amount="NaN"),
        o("amount_missing", total_amount=None),
        o("date_unpadded", date="2025-4-1"),
        o("date_feb_30", date="2025-02-30"),
        o("date_with_time", date="2025-04-01T00:00:00"),
        o("date_other_form", date="01/04/2025"),
        o("date_year_0", date="0000-01-01"),
        o("date_missing", date=""),
        o("date_mismatch", date="2025-04-02"),
        o("no_mismatch_when_ts_bad", order_timestamp="2025-04-01T25:00:00", date="2025-04-02"),
        o("several", order_num="x", order_id="", user_id="0", order_timestamp="bad", total_amount="-1"),
        o("malformed", malformed="90,10000,1990"),
    ]
    out = validate(bronze(spark, c.ORDERS, rows), c.ORDERS, RUN_TS)
    check_reasons(
        out,
        {
            **each(NONE, "valid", "ts_space", "ts_no_seconds", "ts_z", "ts_plus_offset", "ts_minus_offset"),
            **each(NONE, "ts_offset_23_59", "ts_millis", "ts_nanos", "ts_truncated", "ts_offset_next_day_ok"),
            **each(NONE, "ts_min", "ts_max"),
            **each([c.DATE_MISMATCH], "ts_offset_next_day", "date_mismatch"),
            **each(
                [c.BAD_TIMESTAMP], "ts_month_13", "ts_feb_30", "ts_hour_24", "ts_minute_60", "ts_second_60"
            ),
            **each([c.BAD_TIMESTAMP], "ts_date_only", "ts_slashes", "ts_short_offset", "ts_offset_too_big"),
            **each([c.BAD_TIMESTAMP], "ts_offset_minute_60", "ts_fraction_no_seconds", "ts_epoch"),
            **each([c.BAD_TIMESTAMP], "ts_before_min", "ts_before_min_by_offset", "ts_after_max"),
            **each([c.BAD_TIMESTAMP], "ts_run_plus_2_days", "no_mismatch_when_ts_bad"),
            **each(NONE, "amount_int", "amount_one_place", "amount_two_places", "amount_no_int_part"),
            **each(NONE, "amount_trailing_dot", "amount_plus", "amount_negative_zero", "amount_max"),
            **each([c.OUT_OF_RANGE], "amount_too_big", "amount_negative", "amount_three_places"),
            **each([c.OUT_OF_RANGE], "amount_trailing_zero_place"),
            **each([c.BAD_TYPE], "amount_exponent", "amount_line_separator", "amount_thousands"),
            **each([c.BAD_TYPE], "amount_currency", "amount_nan"),
            **each([c.BAD_TYPE], "date_unpadded", "date_feb_30", "date_with_time", "date_other_form"),
            **each([c.BAD_TYPE], "date_year_0"),
            **each([c.MISSING_VALUE], "ts_missing", "amount_missing", "date_missing"),
            "several": [c.BAD_TIMESTAMP, c.BAD_TYPE, c.NULL_KEY, c.OUT_OF_RANGE],
            "malformed": MALFORMED,
        },
        spark,
    )

    def order(ts=TS, amount="229.53", day=DAY):
        return (90, 10000, 1990, ts, None if amount is None else Decimal(amount), day)

    check_typed(
        out,
        c.ORDERS,
        {
            "valid": order(),
            "ts_space": order(),
            "ts_no_seconds": order(),
            "ts_z": order(),
            "ts_plus_offset": order(ts=dt.datetime(2025, 4, 1, 8, 0, tzinfo=UTC)),
            "ts_minus_offset": order(ts=dt.datetime(2025, 4, 1, 15, 30, tzinfo=UTC)),
            "ts_millis": order(ts=TS.replace(microsecond=500000)),
            "ts_nanos": order(ts=TS.replace(microsecond=123456)),
            "ts_truncated": order(ts=TS.replace(second=59, microsecond=999999)),
            # A date mismatch rejects the row but each value is valid on its own.
            "ts_offset_next_day": order(ts=dt.datetime(2025, 4, 2, 1, 30, tzinfo=UTC)),
            "ts_max": order(ts=RUN_TS + dt.timedelta(days=1), day=dt.date(2025, 4, 3)),
            "ts_after_max": order(ts=None, day=dt.date(2025, 4, 3)),
            "ts_offset_23_59": order(
                ts=dt.datetime(2025, 3, 31, 23, 1, tzinfo=UTC), day=dt.date(2025, 3, 31)
            ),
            "amount_int": order(amount="12.00"),
            "amount_trailing_dot": order(amount="12.00"),
            "amount_one_place": order(amount="12.50"),
            "amount_no_int_part": order(amount="0.50"),
            "amount_plus": order(amount="3.10"),
            "amount_negative_zero": order(amount="0.00"),
            "amount_max": order(amount="9999999999.99"),
            "amount_three_places": order(amount=None),
            "date_feb_30": order(day=None),
            "several": (None, None, None, None, None, DAY),
            "malformed": (None,) * 6,
        },
        spark,
    )


def test_order_items(spark):
    i = partial(case, c.ORDER_ITEMS)
    rows = [
        i("valid"),
        i("days_empty", days_since_prior_order=""),
        i("days_blank", days_since_prior_order="  "),
        i("days_null", days_since_prior_order=None),
        i("days_0", days_since_prior_order="0"),
        i("days_365", days_since_prior_order="365"),
        i("days_366", days_since_prior_order="366"),
        i("days_negative", days_since_prior_order="-1"),
        i("days_decimal", days_since_prior_order="1.5"),
        i("reordered_1", reordered="1"),
        i("reordered_2", reordered="2"),
        i("reordered_missing", reordered=""),
        i("cart_0", add_to_cart_order="0"),
        i("cart_int_max", add_to_cart_order="2147483647"),
        i("cart_int_overflow", add_to_cart_order="2147483648"),
        i("id_beyond_int", id="2147483648"),
        i("id_null", id=None),
        i("product_zero", product_id="0"),
        i("product_missing", product_id=" "),
        i("user_missing", user_id=""),
        i("date_mismatch", order_timestamp="2025-04-01T00:30:00+01:00"),
        i("ts_bad_offset", order_timestamp="2025-04-01T11:27:00+2:00"),
        i(
            "several",
            id="",
            product_id="-3",
            reordered="2",
            days_since_prior_order="x",
            order_timestamp="2025-02-30T00:00",
        ),
        i("malformed", malformed="1,10000"),
    ]
    out = validate(bronze(spark, c.ORDER_ITEMS, rows), c.ORDER_ITEMS, RUN_TS)
    check_reasons(
        out,
        {
            **each(NONE, "valid", "days_empty", "days_blank", "days_null", "days_0", "days_365"),
            **each(NONE, "reordered_1", "cart_int_max", "id_beyond_int"),
            **each([c.OUT_OF_RANGE], "days_366", "days_negative", "reordered_2", "cart_0", "product_zero"),
            **each([c.BAD_TYPE], "days_decimal", "cart_int_overflow"),
            "reordered_missing": [c.MISSING_VALUE],
            **each([c.NULL_KEY], "id_null", "product_missing", "user_missing"),
            "date_mismatch": [c.DATE_MISMATCH],
            "ts_bad_offset": [c.BAD_TIMESTAMP],
            "several": [c.BAD_TIMESTAMP, c.BAD_TYPE, c.NULL_KEY, c.OUT_OF_RANGE],
            "malformed": MALFORMED,
        },
        spark,
    )
    check_typed(
        out,
        c.ORDER_ITEMS,
        {
            "valid": (1, 10000, 1990, 10, 988, 1, 0, TS, DAY),
            "days_empty": (1, 10000, 1990, None, 988, 1, 0, TS, DAY),
            "days_366": (1, 10000, 1990, None, 988, 1, 0, TS, DAY),
            "cart_int_max": (1, 10000, 1990, 10, 988, 2147483647, 0, TS, DAY),
            "cart_int_overflow": (1, 10000, 1990, 10, 988, None, 0, TS, DAY),
            "id_beyond_int": (2147483648, 10000, 1990, 10, 988, 1, 0, TS, DAY),
            "several": (None, 10000, 1990, None, None, 1, None, None, DAY),
            "malformed": (None,) * 9,
        },
        spark,
    )


def test_output_shape_lineage_and_raw(spark):
    """Columns keep their place, lineage passes untouched, `_raw` holds the verbatim strings."""
    names = c.FIELD_NAMES[c.PRODUCTS]
    columns = (c.SOURCE_FILE, names[0], names[1], c.ROW_NUMBER, *names[2:], c.MALFORMED_RECORD, c.RUN_ID)
    schema = StructType([StructField(name, StringType()) for name in columns])
    df = spark.createDataFrame(
        [
            ("in/a.csv", " 1 ", "\t4", "1", "Books ", "\u00a0P", None, "run-1"),
            ("in/a.csv", "1", None, "2", "", "P", None, "run-1"),
            ("in/b.csv", "1", "4", "7", "x", "y", "1,4,x,y,z", "run-1"),
        ],
        schema,
    )
    out = validate(df, c.PRODUCTS, RUN_TS)

    assert out.columns == [*columns, c.RAW, c.REASONS]
    types = {f.name: f.dataType for f in out.schema.fields}
    assert [types[f.name] for f in c.FIELDS[c.PRODUCTS]] == [
        SPARK_TYPES[f.type] for f in c.FIELDS[c.PRODUCTS]
    ]
    assert types[c.RAW] == MapType(StringType(), StringType(), True)
    assert types[c.REASONS] == ArrayType(StringType(), True)

    untouched = (c.SOURCE_FILE, c.ROW_NUMBER, c.MALFORMED_RECORD, c.RUN_ID)
    assert_df_equality(out.select(*untouched), df.select(*untouched), ignore_row_order=True)

    raw_schema = StructType(
        [StructField(c.ROW_NUMBER, StringType()), StructField(c.RAW, MapType(StringType(), StringType()))]
    )
    expected_raw = [
        ("1", dict(zip(names, (" 1 ", "\t4", "Books ", "\u00a0P"), strict=True))),
        ("2", dict(zip(names, ("1", None, "", "P"), strict=True))),
        ("7", dict(zip(names, ("1", "4", "x", "y"), strict=True))),
    ]

    # Maps cannot be sorted (ignore_row_order), their sorted entries can.
    def entries(df):
        return df.select(c.ROW_NUMBER, F.array_sort(F.map_entries(c.RAW)).alias(c.RAW))

    assert_df_equality(
        entries(out),
        entries(spark.createDataFrame(expected_raw, raw_schema)),
        ignore_row_order=True,
        ignore_nullable=True,
    )


def test_session_time_zone_and_naive_run_ts(spark):
    """Offsets, the range and the UTC date never go through the session time zone; a naive run_ts
    is taken as UTC."""
    rows = [
        case(c.ORDERS, "late_utc", order_timestamp="2025-04-01T23:30:00Z"),
        case(c.ORDERS, "offset", order_timestamp="2025-04-01T23:30:00-02:00", date="2025-04-02"),
        case(c.ORDERS, "max", order_timestamp="2025-04-03T12:00:00", date="2025-04-03"),
        case(c.ORDERS, "after_max", order_timestamp="2025-04-03T12:00:01", date="2025-04-03"),
    ]
    previous = spark.conf.get("spark.sql.session.timeZone")
    spark.conf.set("spark.sql.session.timeZone", "America/Los_Angeles")
    try:
        out = validate(bronze(spark, c.ORDERS, rows), c.ORDERS, RUN_TS.replace(tzinfo=None))
        check_reasons(
            out, {"late_utc": NONE, "offset": NONE, "max": NONE, "after_max": [c.BAD_TIMESTAMP]}, spark
        )
        amount = Decimal("229.53")
        check_typed(
            out,
            c.ORDERS,
            {
                "late_utc": (90, 10000, 1990, TS.replace(hour=23, minute=30), amount, DAY),
                "offset": (
                    90,
                    10000,
                    1990,
                    dt.datetime(2025, 4, 2, 1, 30, tzinfo=UTC),
                    amount,
                    dt.date(2025, 4, 2),
                ),
            },
            spark,
        )
    finally:
        spark.conf.set("spark.sql.session.timeZone", previous)
