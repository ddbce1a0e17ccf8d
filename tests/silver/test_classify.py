"""Dedup winners, dispositions and referential checks on small in-line DataFrames."""

import datetime as dt

from chispa import assert_df_equality

from silver.classify import check_references, classify, dedupe, resolve_pending

T = dt.datetime
ITEM_SCHEMA = (
    "id long, order_id long, user_id long, product_id long, order_timestamp timestamp, "
    "_source_file string, _row_number long, _reasons array<string>"
)


def items(spark, rows):
    return spark.createDataFrame(rows, ITEM_SCHEMA)


def test_winner_is_latest_timestamp_then_later_file_then_later_row(spark):
    rows = items(
        spark,
        [
            (1, 10, 5, 7, T(2025, 4, 1, 9), "order_items/b.csv", 1, []),
            (1, 10, 5, 7, T(2025, 4, 1, 10), "order_items/a.csv", 1, []),  # latest time wins
            (2, 10, 5, 7, T(2025, 4, 1, 9), "order_items/a.csv", 9, []),
            (2, 10, 5, 7, T(2025, 4, 1, 9), "order_items/b.csv", 1, []),  # same time: later file
            (3, 10, 5, 7, T(2025, 4, 1, 9), "order_items/a.csv", 1, []),
            (3, 10, 5, 7, T(2025, 4, 1, 9), "order_items/a.csv", 2, []),  # same file: later row
            (3, None, 5, 7, T(2025, 4, 1, 11), "order_items/c.csv", 1, ["NULL_KEY"]),  # invalid
            (None, None, None, None, None, "order_items/c.csv", 2, ["MALFORMED_ROW"]),
        ],
    )
    got = classify(rows, "order_items").select("id", "_source_file", "_row_number", "_disposition")
    expected = spark.createDataFrame(
        [
            (1, "order_items/b.csv", 1, "duplicate"),
            (1, "order_items/a.csv", 1, "accepted"),
            (2, "order_items/a.csv", 9, "duplicate"),
            (2, "order_items/b.csv", 1, "accepted"),
            (3, "order_items/a.csv", 1, "duplicate"),
            (3, "order_items/a.csv", 2, "accepted"),
            (3, "order_items/c.csv", 1, "rejected"),
            (None, "order_items/c.csv", 2, "rejected"),
        ],
        "id long, _source_file string, _row_number long, _disposition string",
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)
    assert dedupe(rows.where("size(_reasons) = 0"), "order_items").count() == 3


def test_products_have_no_time_so_later_file_wins(spark):
    rows = spark.createDataFrame(
        [(1, "products/a.csv", 5, []), (1, "products/b.csv", 1, [])],
        "product_id long, _source_file string, _row_number long, _reasons array<string>",
    )
    got = classify(rows, "products").where("_disposition = 'accepted'").select("_source_file")
    assert [r[0] for r in got.collect()] == ["products/b.csv"]


def test_items_are_checked_against_silver_parents(spark):
    rows = classify(
        items(
            spark,
            [
                (1, 10, 5, 7, T(2025, 4, 1), "f", 1, []),  # parents present
                (2, 11, 5, 7, T(2025, 4, 1), "f", 2, []),  # order missing
                (3, 10, 5, 8, T(2025, 4, 1), "f", 3, []),  # product missing
                (4, 10, 6, 7, T(2025, 4, 1), "f", 4, []),  # order belongs to another user
                (5, 12, 5, 8, T(2025, 4, 1), "f", 5, []),  # both missing
                (6, None, 5, 7, T(2025, 4, 1), "f", 6, ["NULL_KEY"]),  # already rejected: untouched
            ],
        ),
        "order_items",
    )
    orders = spark.createDataFrame([(10, 5)], "order_id long, user_id long")
    products = spark.createDataFrame([(7,)], "product_id long")
    got = check_references(rows, orders, products).select("id", "_disposition", "_reasons")
    expected = spark.createDataFrame(
        [
            (1, "accepted", []),
            (2, "pending", ["ORPHAN_ORDER"]),
            (3, "pending", ["ORPHAN_PRODUCT"]),
            (4, "rejected", ["USER_MISMATCH"]),
            (5, "pending", ["ORPHAN_ORDER", "ORPHAN_PRODUCT"]),
            (6, "rejected", ["NULL_KEY"]),
        ],
        "id long, _disposition string, _reasons array<string>",
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)


def test_pending_rows_are_readmitted_expired_or_kept(spark):
    run = dt.datetime(2025, 4, 10, tzinfo=dt.UTC)
    rechecked = spark.createDataFrame(
        [
            (1, "accepted", [], T(2025, 4, 9)),
            (2, "rejected", ["USER_MISMATCH"], T(2025, 4, 9)),
            (3, "pending", ["ORPHAN_ORDER"], T(2025, 4, 9)),
            (4, "pending", ["ORPHAN_ORDER"], T(2025, 4, 2)),  # first seen 8 days before the run
        ],
        "id long, _disposition string, _reasons array<string>, first_seen_at timestamp",
    )
    got = resolve_pending(rechecked, run, grace_days=7).select("id", "_disposition", "_reasons")
    expected = spark.createDataFrame(
        [
            (1, "readmitted", []),
            (2, "expired", ["USER_MISMATCH"]),
            (3, "pending", ["ORPHAN_ORDER"]),
            (4, "expired", ["ORPHAN_ORDER", "GRACE_EXPIRED"]),
        ],
        "id long, _disposition string, _reasons array<string>",
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)
