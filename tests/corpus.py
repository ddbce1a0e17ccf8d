"""The bad-input corpus: broken raw files and rows, each with its documented outcome (README, "Bad
input and what happens"). One drop holds every case plus good parent files; tests/test_corpus.py
runs it once and checks each file's fate.

A case is one file. Its outcome is a file-level reason (the file is rejected, quarantined with a
`.reason.json`), a skip (its content was ingested before), or row fates: rows in silver, rejected
with reasons, duplicates, pending; `warning` names a warning the file raises."""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field

from shared import contract as c

P, O, I = (",".join(c.FIELD_NAMES[d]) for d in c.DATASETS)  # noqa: E741 (the three headers)


@dataclass(frozen=True)
class Case:
    kind: str
    path: str
    content: str | bytes
    file_reason: str | None = None  # a file-level reject
    skipped: bool = False
    silver: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)  # rows carrying each reason
    duplicate: int = 0
    pending: int = 0
    warning: str | None = None


def order(
    order_id: int, ts: str = "2025-04-01T10:00:00", amount: str = "10.00", day: str = "2025-04-01"
) -> str:
    return f"1,{order_id},7,{ts},{amount},{day}"


def item(item_id: int, order_id: int = 5000, user: int = 7, product: int = 1000) -> str:
    return f"{item_id},{order_id},{user},3,{product},1,0,2025-04-01T10:00:00,2025-04-01"


# Good parents the item cases refer to (order 5000 of user 7, product 1000).
BASE = {
    "products/base.csv": f"{P}\n1000,1,Dept,Base product\n",
    "orders/base.csv": f"{O}\n{order(5000)}\n",
}
BOM_FILE = f"\ufeff{P}\n103,1,Dept,with a BOM\n"
MISSING_VALUE, NULL_KEY, BAD_TYPE = c.MISSING_VALUE, c.NULL_KEY, c.BAD_TYPE
BAD_TS, OUT, MALFORMED = c.BAD_TIMESTAMP, c.OUT_OF_RANGE, c.MALFORMED_ROW

CASES = (
    # -- whole files
    Case("zero bytes", "products/zero_bytes.csv", b"", file_reason=c.EMPTY_FILE),
    Case("blank lines only", "products/blank_lines.csv", "\n  \r\n\t\n", file_reason=c.EMPTY_FILE),
    Case("header only", "products/header_only.csv", f"{P}\n"),
    Case("no header", "products/no_header.csv", "101,1,Dept,x\n", file_reason=c.MISSING_COLUMNS),
    Case(
        "wrong delimiter",
        "products/semicolons.csv",
        P.replace(",", ";") + "\n102;1;Dept;x\n",
        file_reason=c.MISSING_COLUMNS,
    ),
    Case(
        "missing column",
        "products/missing_column.csv",
        "product_id,department_id,department\n1,1,Dept\n",
        file_reason=c.MISSING_COLUMNS,
    ),
    Case("UTF-8 BOM", "products/bom.csv", BOM_FILE, silver=1),
    Case("copy under another name", "products/bom_copy.csv", BOM_FILE, skipped=True),
    Case("CRLF line ends", "products/crlf.csv", f"{P}\r\n104,1,Dept,crlf\r\n", silver=1),
    Case(
        "CRLF, then a bare LF",
        "products/mixed_eol.csv",
        f"{P}\r\n105,1,Dept,a\n106,1,Dept,b\r\n",
        file_reason=c.MIXED_LINE_ENDINGS,
    ),
    Case("LF, then CRLF", "products/lf_then_crlf.csv", f'{P}\n105,1,Dept,a\r\n106,1,Dept,"b"\r\n', silver=2),
    Case(
        "CRLF rows, LF in a quoted field",
        "products/excel.csv",
        f'{P}\r\n124,1,Dept,"two\nlines"\r\n',
        silver=1,
    ),
    Case(
        "quoted comma, quote and line break",
        "products/quoted.csv",
        f'{P}\n107,1,Dept,"a, ""b""\nc"\n',
        silver=1,
    ),
    Case(
        "unterminated quote",
        "products/unterminated.csv",
        f'{P}\n108,1,Dept,"never closed\n109,1,Dept,x\n',
        file_reason=c.UNBALANCED_QUOTES,
    ),
    Case(
        "extra column",
        "products/extra.csv",
        f"{P},colour\n110,1,Dept,x,red\n",
        silver=1,
        warning=c.EXTRA_COLUMNS,
    ),
    Case(
        "reordered header",
        "products/reordered.csv",
        "product_name,department,department_id,product_id\nx,Dept,1,111\n",
        silver=1,
    ),
    Case(
        "duplicated header name",
        "products/repeated_name.csv",
        f"{P},product_id\n112,1,Dept,x,999\n",
        silver=1,
        warning=c.EXTRA_COLUMNS,
    ),
    Case(
        "header case and spaces",
        "products/header_case.csv",
        " Product_ID ,DEPARTMENT_ID,Department , product_name\n113,1,Dept,x\n",
        silver=1,
    ),
    Case(
        "non-UTF-8 bytes",
        "products/latin1.csv",
        f"{P}\n114,1,Caf".encode() + b"\xe9,x\n",
        file_reason=c.UNREADABLE_FILE,
    ),
    Case(
        "binary file",
        "products/archive.csv",
        gzip.compress(f"{P}\n115,1,Dept,x\n".encode()),
        file_reason=c.UNREADABLE_FILE,
    ),
    Case(
        "very long line (1 MB value)",
        "products/long_line.csv",
        f"{P}\n116,1,Dept,{'x' * 1_000_000}\n",
        silver=1,
    ),
    Case("not a .csv name", "products/notes.txt", f"{P}\n117,1,Dept,x\n", file_reason=c.NOT_CSV),
    Case(
        "unknown dataset folder",
        "customers/2025-04-01.csv",
        "customer_id\n1\n",
        file_reason=c.UNKNOWN_DATASET,
    ),
    Case("file at the raw root", "loose.csv", f"{P}\n118,1,Dept,x\n", file_reason=c.UNKNOWN_DATASET),
    # -- rows
    Case("short row", "products/short_row.csv", f"{P}\n120,1,Dept\n", rejected=1, reasons={MALFORMED: 1}),
    Case(
        "trailing delimiter",
        "products/long_row.csv",
        f"{P}\n121,1,Dept,x,\n",
        rejected=1,
        reasons={MALFORMED: 1},
    ),
    Case(
        "whitespace-only values",
        "products/blank_values.csv",
        f"{P}\n122, ,\t, \n  ,1,Dept,x\n",
        rejected=2,
        reasons={MISSING_VALUE: 1, NULL_KEY: 1},
    ),
    Case(
        "integer overflow",
        "products/overflow.csv",
        f"{P}\n99999999999999999999,1,Dept,x\n",
        rejected=1,
        reasons={BAD_TYPE: 1},
    ),
    Case(
        "scientific notation",
        "products/scientific.csv",
        f"{P}\n1e3,1,Dept,x\n",
        rejected=1,
        reasons={BAD_TYPE: 1},
    ),
    Case("negative key", "products/negative.csv", f"{P}\n-5,1,Dept,x\n", rejected=1, reasons={OUT: 1}),
    Case(
        "duplicate key in a file",
        "products/dup.csv",
        f"{P}\n123,1,Dept,a\n123,1,Dept,b\n",
        silver=1,
        duplicate=1,
    ),
    Case(
        "leap day",
        "orders/leap_day.csv",
        f"{O}\n{order(5001, '2024-02-29T12:00:00', day='2024-02-29')}\n",
        silver=1,
    ),
    Case(
        "29 February of a common year",
        "orders/not_leap.csv",
        f"{O}\n{order(5002, '2025-02-29T12:00:00', day='2025-02-29')}\n",
        rejected=1,
        reasons={BAD_TS: 1, BAD_TYPE: 1},
    ),
    Case(
        "time zone offset",
        "orders/offset.csv",
        f"{O}\n{order(5003, '2025-04-01T23:30:00-02:00', day='2025-04-02')}\n",
        silver=1,
    ),
    Case(
        "offset moving the day",
        "orders/offset_day.csv",
        f"{O}\n{order(5004, '2025-04-01T23:30:00-02:00', day='2025-04-01')}\n",
        rejected=1,
        reasons={c.DATE_MISMATCH: 1},
    ),
    Case(
        "far-future timestamp",
        "orders/future.csv",
        f"{O}\n{order(5005, '2099-01-01T00:00:00', day='2099-01-01')}\n",
        rejected=1,
        reasons={BAD_TS: 1},
    ),
    Case(
        "pre-2000 timestamp",
        "orders/old.csv",
        f"{O}\n{order(5006, '1999-12-31T23:59:59', day='1999-12-31')}\n",
        rejected=1,
        reasons={BAD_TS: 1},
    ),
    Case(
        "amount in scientific notation",
        "orders/amount_sci.csv",
        f"{O}\n{order(5007, amount='1e3')}\n",
        rejected=1,
        reasons={BAD_TYPE: 1},
    ),
    Case(
        "amount with 3 places",
        "orders/amount_places.csv",
        f"{O}\n{order(5008, amount='1.005')}\n",
        rejected=1,
        reasons={OUT: 1},
    ),
    Case(
        "amount beyond decimal(12,2)",
        "orders/amount_big.csv",
        f"{O}\n{order(5009, amount='12345678901.00')}\n",
        rejected=1,
        reasons={OUT: 1},
    ),
    Case(
        "item of an unknown order", "order_items/orphan.csv", f"{I}\n{item(1, order_id=99999)}\n", pending=1
    ),
    Case(
        "item of another user's order",
        "order_items/mismatch.csv",
        f"{I}\n{item(2, user=8)}\n",
        rejected=1,
        reasons={c.USER_MISMATCH: 1},
    ),
    Case("good item", "order_items/good.csv", f"{I}\n{item(3)}\n", silver=1),
)


def drop() -> dict[str, str | bytes]:
    """Every case's file and the base parents: {path relative to the raw root: content}."""
    return {**BASE, **{case.path: case.content for case in CASES}}
