"""The reference oracle's own tests: tiny in-line drops whose numbers are worked out by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shared.contract import (
    BAD_TIMESTAMP,
    BAD_TYPE,
    DATE_MISMATCH,
    DEPARTMENT_CONFLICT,
    EMPTY_FILE,
    EXTRA_COLUMNS,
    MALFORMED_ROW,
    MISSING_COLUMNS,
    MISSING_VALUE,
    NOT_CSV,
    NULL_KEY,
    ORDER_ITEMS,
    ORDERS,
    OUT_OF_RANGE,
    PRODUCTS,
    UNREADABLE_FILE,
    USER_MISMATCH,
)
from tests.reference import ReferenceLakehouse, parse_csv, validate

UTC = dt.UTC
RUN = dt.datetime(2025, 5, 1, tzinfo=UTC)
P = "product_id,department_id,department,product_name\n"
O = "order_num,order_id,user_id,order_timestamp,total_amount,date\n"  # noqa: E741
I = "id,order_id,user_id,days_since_prior_order,product_id,add_to_cart_order,reordered,order_timestamp,date\n"  # noqa: E741


def drop(root, files: dict) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())


def run(lh, root, files: dict, run_ts=RUN) -> dict:
    drop(root, files)
    summary = lh.run(root, run_ts)
    for stats in summary["datasets"].values():  # conservation holds in every test
        kept = stats["accepted"] + stats["rejected"] + stats["duplicates"] + stats["pending"]
        assert stats["rows_read"] == kept
    return summary


def order_row(ts: str, amount: str = "1", date: str | None = None) -> dict:
    return {
        "order_num": "1",
        "order_id": "1",
        "user_id": "1",
        "order_timestamp": ts,
        "total_amount": amount,
        "date": date or ts[:10],
    }


MAX_TS = RUN + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("ts", "expected"),
    [
        ("2025-04-01T10:00", dt.datetime(2025, 4, 1, 10, tzinfo=UTC)),
        ("2025-04-01 10:00:05Z", dt.datetime(2025, 4, 1, 10, 0, 5, tzinfo=UTC)),
        ("2025-04-01T10:00:05.1234569", dt.datetime(2025, 4, 1, 10, 0, 5, 123456, tzinfo=UTC)),
        ("2025-04-01T23:30:00-02:00", None),  # 01:30 UTC on the 2nd: DATE_MISMATCH with date 2025-04-01
        ("2000-01-01T00:00:00Z", dt.datetime(2000, 1, 1, tzinfo=UTC)),
        ("2025-05-02T00:00:00Z", MAX_TS),  # run + 1 day, inclusive
    ],
)
def test_timestamps_parse_and_convert_to_utc(ts, expected):
    values, reasons = validate(ORDERS, order_row(ts), MAX_TS)
    if expected is None:
        assert reasons == [DATE_MISMATCH]
    else:
        assert (values["order_timestamp"], reasons) == (expected, [])


@pytest.mark.parametrize(
    "ts",
    [
        "2025-04-01T10:00:60",
        "2025-02-30T10:00",
        "2025-04-01T24:00",
        "1999-12-31T23:59:59",
        "2025-05-02T00:00:00.000001",
        "2025-04-01T10:00+05:60",
        "2025-04-01",
        "10:00",
        "2025-04-01t10:00",
        "2025-4-01T10:00",
    ],
)
def test_bad_timestamps(ts):
    assert validate(ORDERS, order_row(ts, date="2025-04-01"), MAX_TS)[1] == [BAD_TIMESTAMP]


@pytest.mark.parametrize(
    ("amount", "value", "reason"),
    [
        ("12", Decimal("12.00"), None),
        ("12.5", Decimal("12.50"), None),
        (".5", Decimal("0.50"), None),
        ("+3.10", Decimal("3.10"), None),
        ("9999999999.99", Decimal("9999999999.99"), None),
        ("-0", Decimal("0"), None),
        ("-1.00", None, OUT_OF_RANGE),
        ("1.230", None, OUT_OF_RANGE),
        ("10000000000", None, OUT_OF_RANGE),
        ("1e2", None, BAD_TYPE),
        ("1,5", None, BAD_TYPE),
        ("abc", None, BAD_TYPE),
        ("  ", None, MISSING_VALUE),
    ],
)
def test_total_amount(amount, value, reason):
    values, reasons = validate(ORDERS, order_row("2025-04-01T10:00", amount), MAX_TS)
    assert values["total_amount"] == value
    assert reasons == ([reason] if reason else [])


def test_field_reasons_collect_and_date_mismatch_needs_both_valid():
    row = {
        "order_num": "0",
        "order_id": "",
        "user_id": "1e3",
        "order_timestamp": "x",
        "total_amount": "1",
        "date": "2025-13-01",
    }
    assert validate(ORDERS, row, MAX_TS)[1] == [NULL_KEY, BAD_TYPE, BAD_TIMESTAMP, OUT_OF_RANGE]
    row = {
        "id": "9223372036854775808",
        "order_id": "1",
        "user_id": "1",
        "days_since_prior_order": "",
        "product_id": "1",
        "add_to_cart_order": "2147483648",
        "reordered": "2",
        "order_timestamp": "2025-04-01T10:00",
        "date": "2025-04-02",
    }
    values, reasons = validate(ORDER_ITEMS, row, MAX_TS)
    assert reasons == [BAD_TYPE, OUT_OF_RANGE, DATE_MISMATCH] and values["days_since_prior_order"] is None


def test_csv_records_bom_crlf_quotes_and_blank_lines():
    text = 'a,b\r\n"x,1","say ""hi""\r\nthere"\r\n  \t \r\n,\r\n"",\n"ab"c,d'
    assert parse_csv(text) == [["a", "b"], ["x,1", 'say "hi"\r\nthere'], ["", ""], ["", ""], ["abc", "d"]]


def test_products_file_format_reasons_and_warnings(tmp_path):
    text = (
        "\ufeff Department , PRODUCT_ID,department_id,product_name,extra\r\n"
        'Books,1,4,"Dune, part\r\n1",x\r\n'
        "   \r\n"
        ",,,,\r\n"  # a row: every key and value missing
        "Toys,2,4,Ball\r\n"  # field count 4 != 5
        "Toys,3,4,Car,y\r\n"  # department 4 now has two names
        "Toys,0,x,Kite,\r\n"
        "Toys,4,4,  ,\r\n"
    )
    s = run(ReferenceLakehouse(), tmp_path, {"products/a.csv": text.encode("utf-8")})["datasets"][PRODUCTS]
    assert s["files"] == 1 and s["rows_read"] == 6 and s["accepted"] == 2 and s["rejected"] == 4
    assert s["rejected_by_reason"] == {
        NULL_KEY: 1,
        MISSING_VALUE: 2,
        MALFORMED_ROW: 1,
        OUT_OF_RANGE: 1,
        BAD_TYPE: 1,
    }
    assert s["warnings"] == {EXTRA_COLUMNS: 1, DEPARTMENT_CONFLICT: 1}


def test_file_rejects_and_skipped_duplicate_files(tmp_path):
    lh = ReferenceLakehouse()
    files = {
        "products/a.csv": P + "1,1,Books,A\n",
        "products/b/copy.csv": P + "1,1,Books,A\n",
        "products/c.csv": "",
        "products/d.csv": " \r\n\t\n",
        "products/e.csv": "product_id,department\n1,x\n",
        "products/f.csv": b"product_id\xff\n",
        "products/notes.txt": "not read",
    }
    summary = run(lh, tmp_path, files)
    assert summary["files_rejected"] == [
        {"dataset": PRODUCTS, "file": "products/c.csv", "reason": EMPTY_FILE},
        {"dataset": PRODUCTS, "file": "products/d.csv", "reason": EMPTY_FILE},
        {"dataset": PRODUCTS, "file": "products/e.csv", "reason": MISSING_COLUMNS},
        {"dataset": PRODUCTS, "file": "products/f.csv", "reason": UNREADABLE_FILE},
        {"dataset": PRODUCTS, "file": "products/notes.txt", "reason": NOT_CSV},
    ]
    s = summary["datasets"][PRODUCTS]
    assert (s["files"], s["files_skipped"], s["rows_read"], s["accepted"]) == (1, 1, 1, 1)
    again = run(lh, tmp_path, {"products/z.csv": P + "2,1,Books,B\n"})
    s = again["datasets"][PRODUCTS]
    assert (s["files"], s["files_skipped"], s["rows_read"], len(again["files_rejected"])) == (1, 2, 1, 5)
    assert sorted(lh.silver[PRODUCTS]) == [1, 2]


def test_dedup_winner_rules(tmp_path):
    lh = ReferenceLakehouse()
    s = run(
        lh,
        tmp_path,
        {
            "products/a.csv": P + "1,1,Books,A1\n1,1,Books,A2\n2,1,Books,B1\n",
            "products/b.csv": P + "2,1,Books,B2\n",
            "orders/a.csv": O
            + "1,1,1,2025-04-01T12:00,1,2025-04-01\n"  # latest timestamp wins over later file
            "1,2,1,2025-04-01T10:00,1,2025-04-01\n"
            "1,2,1,2025-04-01T10:00,2,2025-04-01\n",  # tie: later row in the file
            "orders/b.csv": O + "1,1,1,2025-04-01T11:00,2,2025-04-01\n"
            "1,3,1,2025-04-01T10:00,7,2025-04-01\n"
            "x,3,1,2025-04-01T23:00,8,2025-04-01\n",  # invalid rows never win
            "orders/c.csv": O + "1,3,1,2025-04-01T10:00:00.000,9,2025-04-01\n",  # tie: later file
        },
    )["datasets"]
    assert (s[PRODUCTS]["duplicates"], s[ORDERS]["duplicates"], s[ORDERS]["rejected"]) == (2, 3, 1)
    assert {k: r["product_name"] for k, r in lh.silver[PRODUCTS].items()} == {1: "A2", 2: "B2"}
    assert {k: r["total_amount"] for k, r in lh.silver[ORDERS].items()} == {1: 1, 2: 2, 3: 9}


def test_merge_keeps_the_newer_stored_row(tmp_path):
    lh = ReferenceLakehouse()
    run(
        lh,
        tmp_path,
        {"orders/1.csv": O + "1,1,1,2025-04-01T12:00,1,2025-04-01\n1,2,1,2025-04-01T12:00,1,2025-04-01\n"},
    )
    s = run(
        lh,
        tmp_path,
        {
            "orders/2.csv": O + "2,1,1,2025-04-01T11:00,5,2025-04-01\n"  # stale: kept stored
            "2,2,1,2025-04-01T12:00,5,2025-04-01\n"
        },
    )  # equal: replaces
    assert s["datasets"][ORDERS]["accepted"] == 2
    assert {k: r["order_num"] for k, r in lh.silver[ORDERS].items()} == {1: 1, 2: 2}


def test_items_pending_readmitted_mismatch_and_expiry(tmp_path):
    lh = ReferenceLakehouse(grace_days=7)
    ts = "2025-04-01T10:00,2025-04-01"
    s = run(
        lh,
        tmp_path,
        {
            "products/p.csv": P + "1,1,Books,A\n",
            "orders/o.csv": O + "1,1,1,2025-04-01T10:00,1,2025-04-01\n",
            "order_items/i.csv": I + f"1,1,1,,1,1,0,{ts}\n"  # accepted
            f"2,1,9,,1,1,0,{ts}\n"  # USER_MISMATCH
            f"3,1,9,,5,1,0,{ts}\n"  # USER_MISMATCH + ORPHAN_PRODUCT, rejected
            f"4,2,2,,2,1,1,{ts}\n"  # orphan order + product: pending
            f"5,3,3,,1,1,0,{ts}\n"  # orphan order, its order arrives for user 4
            f"6,4,4,,1,1,0,{ts}\n",  # orphan order, never arrives
        },
        run_ts=RUN,
    )["datasets"][ORDER_ITEMS]
    assert (s["accepted"], s["rejected"], s["pending"]) == (1, 2, 3)
    assert s["rejected_by_reason"] == {USER_MISMATCH: 2, "ORPHAN_PRODUCT": 1}
    s = run(
        lh,
        tmp_path,
        {
            "products/p2.csv": P + "2,1,Books,B\n",
            "orders/o2.csv": O + "1,2,2,2025-04-01T10:00,1,2025-04-01\n1,3,4,2025-04-01T10:00,1,2025-04-01\n",
            "order_items/i2.csv": I + "4,2,2,,2,1,0,2025-04-01T09:00,2025-04-01\n",  # older than readmitted 4
        },
        run_ts=RUN + dt.timedelta(days=1),
    )["datasets"][ORDER_ITEMS]
    assert (s["readmitted"], s["expired"], s["duplicates"], s["accepted"], s["pending"]) == (1, 1, 1, 0, 0)
    assert sorted(lh.silver[ORDER_ITEMS]) == [1, 4] and lh.silver[ORDER_ITEMS][4]["reordered"] == 1
    s = run(lh, tmp_path, {}, run_ts=RUN + dt.timedelta(days=7))["datasets"][ORDER_ITEMS]
    assert (s["expired"], len(lh.pending)) == (0, 1)  # exactly 7 days: not yet more than the grace
    s = run(lh, tmp_path, {}, run_ts=RUN + dt.timedelta(days=7, seconds=1))["datasets"][ORDER_ITEMS]
    assert (s["expired"], len(lh.pending)) == (1, 0)


def test_gold_by_hand(tmp_path):
    lh = ReferenceLakehouse()
    run(
        lh,
        tmp_path,
        {
            "products/p.csv": P + "1,1,Books,A\n2,2,Toys,B\n",
            "orders/o.csv": O + "1,1,1,2025-04-01T10:00,10.01,2025-04-01\n"
            "2,2,1,2025-04-01T11:00,0.01,2025-04-01\n"
            "1,3,2,2025-04-01T12:00,0.01,2025-04-01\n"
            "1,4,3,2025-04-02T12:00,0.02,2025-04-02\n"
            "1,5,4,2025-04-02T13:00,.03,2025-04-02\n",  # 0.05 / 2 = 0.025 -> 0.03 half-up
            "order_items/i.csv": I + "1,1,1,,1,1,1,2025-04-01T10:00,2025-04-01\n"
            "2,1,1,,2,2,0,2025-04-01T10:00,2025-04-01\n"
            "3,2,1,,1,1,0,2025-04-01T11:00,2025-04-01\n",
        },
    )
    d1, d2 = dt.date(2025, 4, 1), dt.date(2025, 4, 2)
    assert lh.gold_daily_sales() == [
        {
            "date": d1,
            "orders": 3,
            "revenue": Decimal("10.03"),
            "customers": 2,
            "avg_order_value": Decimal("3.34"),
            "items": 3,
            "reorder_rate": 0.3333,
        },
        {
            "date": d2,
            "orders": 2,
            "revenue": Decimal("0.05"),
            "customers": 2,
            "avg_order_value": Decimal("0.03"),
            "items": 0,
            "reorder_rate": None,
        },
    ]
    assert lh.gold_department_daily_sales() == [
        {"date": d1, "department": "Books", "items": 2, "orders": 2, "reorder_rate": 0.5},
        {"date": d1, "department": "Toys", "items": 1, "orders": 1, "reorder_rate": 0.0},
    ]
