"""A hand-made drop full of CSV and contract edge cases: the pipeline's `--json` counts and silver
rows must equal the reference oracle's (tests/reference.py), which parses with Python's csv module."""

from __future__ import annotations

import shutil

from lakehouse import conservation
from shared.contract import DATASETS
from tests.drops import header, write_drop
from tests.reference import ReferenceLakehouse
from tests.test_pipeline import RUN_TS, assert_counts_equal, lakehouse_run, normalised, silver_rows

PRODUCTS_HEADER, ORDERS_HEADER, ITEMS_HEADER = (header(d).rstrip("\n") for d in DATASETS)

DROP = {
    # BOM, CRLF, quoted comma / quote / line break, whitespace-only line, row of empty fields, a
    # repeated header name, padded values, a department_id with two names.
    "products/a.csv": (
        "\ufeff" + PRODUCTS_HEADER + ",Product_ID\r\n"
        '1,4,Books,"Prod, ""one""",x\r\n'
        "  2 ,\t4 , Toys ,two,y\r\n"
        " \t \r\n"
        ",,,,\r\n"
        '3,5,Garden,"multi\r\nline",z\r\n'
    ),
    "products/b.csv": PRODUCTS_HEADER
    + "\n4,5,Garden,four\n1,4,Books,one again\n0,1,A,B\n5,x,A,B\n6,7,,B\n7,8\n",
    "products/empty.csv": "",
    "products/blank.csv": "\n  \n",
    "products/no_name.csv": "product_id,department_id,department\n9,9,Z\n",
    "products/latin1.csv": PRODUCTS_HEADER.encode() + b"\n8,1,Caf\xe9,x\n",  # not UTF-8
    "orders/2025-04-01.csv": (
        ORDERS_HEADER + "\n"
        "1,100,7,2025-04-01T10:00:00,10.00,2025-04-01\n"
        "2,101,7,2025-04-01 23:30:00-02:00,5,2025-04-02\n"  # offset moves it to the next UTC day
        "3,102,8,2025-04-01T10:00Z,12.,2025-04-01\n"
        "4,103,8,2025-04-01T10:00:00.1234567+00:00,1.005,2025-04-01\n"  # 3 places
        "5,104,8,2025-02-30T10:00:00,1.00,2025-02-30\n"  # calendar-invalid both
        "6,105,8,1999-12-31T23:59:59,1.00,1999-12-31\n"
        "7,106,8,2025-04-01T10:00:00,1e3,2025-04-01\n"
        "8,107,8,2025-04-01T10:00:00,-1.00,2025-04-02\n"
        "0,108,8,2025-04-01T10:00:60,1.00,2025-04-01\n"
        "9,100,7,2025-04-01T09:00:00,99.00,2025-04-01\n"  # older duplicate of 100
        "10,109,9,2099-01-01T00:00:00,1.00,2099-01-01\n"  # in the future
        "11,110,9,2025-04-01T10:00:00+24:00,1.00,2025-04-01\n"
        " 12 , 111 , 9 , 2025-04-01T10:00:00 , 3.10 , 2025-04-01 \n"
    ),
    "orders/2025-04-02.csv": ORDERS_HEADER
    + "\n12,100,7,2025-04-01T10:00:00,11.00,2025-04-01\n",  # same time, later file
    "order_items/2025-04-01.csv": (
        ITEMS_HEADER + "\n"
        "1,100,7,,1,1,0,2025-04-01T10:00:00,2025-04-01\n"
        "2,100,8,1,2,1,1,2025-04-01T10:00:00,2025-04-01\n"  # user mismatch
        "3,999,7,1,1,1,1,2025-04-01T10:00:00,2025-04-01\n"  # orphan order
        "4,100,7,1,999,1,1,2025-04-01T10:00:00,2025-04-01\n"  # orphan product
        "5,100,8,1,999,1,1,2025-04-01T10:00:00,2025-04-01\n"  # mismatch + orphan product
        "6,100,7,366,1,0,2,2025-04-01T10:00:00,2025-04-02\n"  # ranges and date
        "7,100,7,10.0,1,1,1,2025-04-01T10:00:00,2025-04-01\n"
        "8,100,7,1,1,1,1,2025-04-01T10:00:00,2025-04-01,extra\n"
        "1,100,7,,1,1,0,2025-04-01T10:00:00,2025-04-01\n"  # exact duplicate
        "9,100,7,99999999999,1,1,0,2025-04-01T10:00:00,2025-04-01\n"  # int overflow
        "10,100,7,1,1,+1,-0,2025-04-01T10:00:00,2025-04-01\n"
    ),
}


def test_edge_drop_equals_the_reference(spark, tmp_path):
    raw, pristine = tmp_path / "raw", tmp_path / "pristine"
    write_drop(raw, DROP)
    shutil.copytree(raw, pristine)
    reference = ReferenceLakehouse()
    expected = reference.run(pristine, RUN_TS)
    summary = lakehouse_run(raw, tmp_path / "warehouse")
    keys = ("files", "files_skipped", "rows_read", "accepted", "rejected", "duplicates", "pending")
    assert_counts_equal(summary, expected, (*keys, "rejected_by_reason", "warnings"))
    by_file = sorted(summary["files_rejected"], key=lambda f: f["file"])
    assert by_file == sorted(expected["files_rejected"], key=lambda f: f["file"])
    for dataset in ("products", "orders", "order_items"):
        got = silver_rows(spark, tmp_path / "warehouse", dataset)
        want = {k: normalised(v, dataset) for k, v in reference.silver[dataset].items()}
        if dataset == "products":  # Spark's CSV reader turns a quoted CRLF into LF
            want = {
                k: {**v, "product_name": v["product_name"].replace("\r\n", "\n")} for k, v in want.items()
            }
        assert got == want, dataset
    report = conservation.conservation(spark, str(tmp_path / "warehouse"), str(raw))
    assert report["ok"], report["violations"]
