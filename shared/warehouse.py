"""Where things live: table locations under the warehouse root, and run identity."""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid

from shared.contract import BRONZE, DATASETS, FILE_LEDGER, GOLD, GOLD_TABLES, QUARANTINE, SILVER

# A name that goes into SQL (environment, database, table, constraint): never quoted by hand.
SQL_NAME = re.compile(r"[a-z][a-z0-9_]{0,127}")


def sql_name(name: str, what: str = "name") -> str:
    """`name` if it is safe to put into SQL as an identifier, else ValueError."""
    if not isinstance(name, str) or not SQL_NAME.fullmatch(name):
        raise ValueError(f"{what} {name!r}: lowercase letters, digits and _ only, starting with a letter")
    return name


def absolute(path: str) -> str:
    """Local paths become absolute; URIs (s3://, s3a://, file:) are kept as they are."""
    return path if "://" in path or path.startswith("file:") else os.path.abspath(path)


def table_path(warehouse: str, layer: str, table: str) -> str:
    return f"{absolute(warehouse).rstrip('/')}/{layer}/{table}"


def all_tables() -> list[tuple[str, str]]:
    """(layer, table) of every analyst-facing table, in pipeline order."""
    return (
        [(BRONZE, d) for d in DATASETS]
        + [(SILVER, d) for d in DATASETS]
        + [(SILVER, QUARANTINE)]
        + [(GOLD, t) for t in GOLD_TABLES]
    )


def ledger_path(warehouse: str) -> str:
    return table_path(warehouse, BRONZE, FILE_LEDGER)


def new_run_id(run_ts: dt.datetime) -> str:
    return f"{run_ts.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:8]}"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def parse_instant(text: str) -> dt.datetime:
    """An ISO 8601 instant; without an offset it is UTC."""
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
