"""The data contract in one place: datasets, fields, types, rules, reasons, table and column names.

Every other module imports its names from here, so a rule or a name changes in exactly one spot.
See README "Data contract" for the prose version.
"""

from __future__ import annotations

from dataclasses import dataclass

PRODUCTS = "products"
ORDERS = "orders"
ORDER_ITEMS = "order_items"
# The order's time: orders and items carry it; the most recent row of a key wins.
ORDER_TIMESTAMP = "order_timestamp"
DATASETS: tuple[str, ...] = (PRODUCTS, ORDERS, ORDER_ITEMS)

# Field kinds: a missing key is NULL_KEY, a missing required field MISSING_VALUE, optional may be empty.
KEY, REQUIRED, OPTIONAL = "key", "required", "optional"
# Field types as the validator understands them.
BIGINT, INT, STRING, TIMESTAMP, DATE, DECIMAL = "bigint", "int", "string", "timestamp", "date", "decimal"


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    kind: str
    min: int | None = None  # inclusive lower bound (numbers)
    max: int | None = None  # inclusive upper bound (numbers)


FIELDS: dict[str, tuple[Field, ...]] = {
    PRODUCTS: (
        Field("product_id", BIGINT, KEY, min=1),
        Field("department_id", BIGINT, REQUIRED, min=1),
        Field("department", STRING, REQUIRED),
        Field("product_name", STRING, REQUIRED),
    ),
    ORDERS: (
        Field("order_num", BIGINT, REQUIRED, min=1),
        Field("order_id", BIGINT, KEY, min=1),
        Field("user_id", BIGINT, KEY, min=1),
        Field(ORDER_TIMESTAMP, TIMESTAMP, REQUIRED),
        Field("total_amount", DECIMAL, REQUIRED, min=0),
        Field("date", DATE, REQUIRED),
    ),
    ORDER_ITEMS: (
        Field("id", BIGINT, KEY, min=1),
        Field("order_id", BIGINT, KEY, min=1),
        Field("user_id", BIGINT, KEY, min=1),
        Field("days_since_prior_order", INT, OPTIONAL, min=0, max=365),
        Field("product_id", BIGINT, KEY, min=1),
        Field("add_to_cart_order", INT, REQUIRED, min=1),
        Field("reordered", INT, REQUIRED, min=0, max=1),
        Field(ORDER_TIMESTAMP, TIMESTAMP, REQUIRED),
        Field("date", DATE, REQUIRED),
    ),
}

FIELD_NAMES: dict[str, tuple[str, ...]] = {d: tuple(f.name for f in fs) for d, fs in FIELDS.items()}

# The primary key of each silver table (dedup and MERGE key).
PRIMARY_KEY: dict[str, str] = {PRODUCTS: "product_id", ORDERS: "order_id", ORDER_ITEMS: "id"}
# Silver partition column, or None. Orders and items are queried by date; products are tiny.
PARTITION_BY: dict[str, str | None] = {PRODUCTS: None, ORDERS: "date", ORDER_ITEMS: "date"}

# total_amount: decimal(12,2)
DECIMAL_PRECISION, DECIMAL_SCALE = 12, 2
# Timestamps are valid from this instant (UTC) to one day after the run.
MIN_TIMESTAMP = "2000-01-01 00:00:00"
# Pending orphan items are rejected this many days after they were first seen.
DEFAULT_GRACE_DAYS = 7

# Row reasons.
MALFORMED_ROW = "MALFORMED_ROW"
NULL_KEY = "NULL_KEY"
MISSING_VALUE = "MISSING_VALUE"
BAD_TYPE = "BAD_TYPE"
BAD_TIMESTAMP = "BAD_TIMESTAMP"
OUT_OF_RANGE = "OUT_OF_RANGE"
DATE_MISMATCH = "DATE_MISMATCH"
USER_MISMATCH = "USER_MISMATCH"
ORPHAN_ORDER = "ORPHAN_ORDER"
ORPHAN_PRODUCT = "ORPHAN_PRODUCT"
GRACE_EXPIRED = "GRACE_EXPIRED"
# File reasons.
EMPTY_FILE = "EMPTY_FILE"
MISSING_COLUMNS = "MISSING_COLUMNS"
UNREADABLE_FILE = "UNREADABLE_FILE"
UNBALANCED_QUOTES = "UNBALANCED_QUOTES"  # a quoted field is never closed: the rest of the file is one field
MIXED_LINE_ENDINGS = "MIXED_LINE_ENDINGS"  # CRLF first, then a bare LF outside quotes: the rows would merge
NOT_CSV = "NOT_CSV"  # a file in a dataset folder whose name does not end in .csv
UNKNOWN_DATASET = "UNKNOWN_DATASET"  # a file under the raw root outside every dataset folder
UNSAFE_PATH = "UNSAFE_PATH"  # a key that resolves outside its dataset folder: never read nor moved
# What bronze does with a raw file: ingest it, skip it (its content is in bronze already), or
# reject it (it goes to the quarantine zone with a file reason).
INGEST, SKIP, REJECT = "ingest", "skip", "reject"
# Warnings (the row is kept).
DEPARTMENT_CONFLICT = "DEPARTMENT_CONFLICT"
EXTRA_COLUMNS = "EXTRA_COLUMNS"

# Row dispositions (all but accepted are recorded in the quarantine table).
ACCEPTED = "accepted"
REJECTED = "rejected"
DUPLICATE = "duplicate"
PENDING = "pending"
READMITTED = "readmitted"
EXPIRED = "expired"

# The per-dataset counts of a run summary (`lakehouse run --json`, the run report), in reading order.
RUN_COUNTS: tuple[str, ...] = (
    "files",
    "files_skipped",
    "rows_read",
    "accepted",
    "rejected",
    "duplicates",
    "pending",
    "readmitted",
)

# Layers and table names.
BRONZE, SILVER, GOLD = "bronze", "silver", "gold"
QUARANTINE = "quarantine"
DAILY_SALES = "daily_sales"
DEPARTMENT_DAILY_SALES = "department_daily_sales"
GOLD_TABLES: tuple[str, ...] = (DAILY_SALES, DEPARTMENT_DAILY_SALES)
# Bookkeeping tables (not for analysts): bronze's file ledger, silver's bronze-version watermarks.
FILE_LEDGER = "_file_ledger"
WATERMARKS = "_watermarks"

# Bronze lineage columns (raw fields keep their contract names, as strings).
SOURCE_FILE = "_source_file"  # path relative to the raw root
SOURCE_HASH = "_source_hash"  # sha-256 of the file's bytes
ROW_NUMBER = "_row_number"  # 1-based record number in the file, header excluded
RUN_ID = "_run_id"
INGESTED_AT = "_ingested_at"
MALFORMED_RECORD = "_malformed_record"  # the raw record when its field count differs from the header's
LINEAGE_COLUMNS: tuple[str, ...] = (SOURCE_FILE, SOURCE_HASH, ROW_NUMBER, RUN_ID, INGESTED_AT)

# Columns the silver validator adds.
REASONS = "_reasons"  # array<string>, empty when the row is valid
RAW = "_raw"  # map<string,string>: the row's original values
DISPOSITION = "_disposition"
# Silver lineage.
SILVER_RUN_ID = "_silver_run_id"
UPDATED_AT = "_updated_at"
