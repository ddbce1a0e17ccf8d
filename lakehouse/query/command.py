"""`lakehouse query`: a local Athena. Runs one Athena (Trino) SQL query, unmodified, against the
warehouse's Delta tables (`bronze.*`, `silver.*`, `gold.*`) and the analyst views of sql/views.

The engine is an embedded DuckDB reading the tables through delta-rs, with the SQL transpiled by
sqlglot (see lakehouse.query.dialect for what is fixed on the way), so the SQL the project ships to Athena
is the SQL it tests here. Results come back as Athena would name and format them, as plain JSON
values: dates 'YYYY-MM-DD', timestamps 'YYYY-MM-DD HH:MM:SS.ffffff', decimals as strings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import math
import re
import sys
from pathlib import Path

from lakehouse.query.errors import QueryError

__all__ = ["QueryError", "add_arguments", "run", "run_query", "to_json_value"]

DEFAULT_WAREHOUSE = "var/demo/warehouse"
NULL_TEXT = "NULL"  # how the text table shows a null
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def run_query(
    warehouse: str, sql: str, params: list[str] | None = None, *, views_dir: Path | None = None
) -> tuple[list[str], list[list]]:
    """(column names, rows) of one Athena query. `params` are SQL literals for the `?`
    placeholders, in order, as in Athena's ExecutionParameters (e.g. "DATE '2025-04-01'").
    `views_dir` holds the view files (default: the repository's sql/views)."""
    # Imported here: the engine needs the `local` extra (duckdb, deltalake, sqlglot), and the
    # `lakehouse` command builds this module's parser whichever subcommand runs.
    from lakehouse.query.engine import VIEWS_DIR, execute
    from lakehouse.query.sql import bind_params

    columns, rows = execute(warehouse, bind_params(sql, list(params or [])), views_dir or VIEWS_DIR)
    return columns, [[to_json_value(v) for v in row] for row in rows]


def to_json_value(value):
    """A DuckDB result value as a JSON-friendly value, formatted as Athena returns it."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, decimal.Decimal):
        return format(value, "f")  # keeps the scale ('12.50'), never an exponent
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:  # timestamp with time zone: Athena appends the zone
            return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f") + " UTC"
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return str(value)  # time, interval, uuid: their text form


def render(columns: list[str], rows: list[list]) -> str:
    """An aligned text table; numbers right-aligned."""
    cells = [[cell_text(v) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    numeric = [
        bool(rows) and all(v is None or is_number(v) for v in (row[i] for row in rows))
        for i in range(len(columns))
    ]

    def line(values: list[str]) -> str:
        parts = [v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    out = [line(columns), line(["-" * w for w in widths]), *(line(r) for r in cells)]
    out.append(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")
    return "\n".join(out)


def cell_text(value) -> str:
    if value is None:
        return NULL_TEXT
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def is_number(value) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, (int, float)) or (isinstance(value, str) and NUMBER.fullmatch(value) is not None)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sql", nargs="?", help="one Athena SQL query (or use --file)")
    parser.add_argument("--file", help="read the query from this file ('-' for stdin)")
    parser.add_argument(
        "--warehouse",
        default=DEFAULT_WAREHOUSE,
        help=f"root of the Delta tables (default: {DEFAULT_WAREHOUSE})",
    )
    parser.add_argument("--json", action="store_true", help='print {"columns": [..], "rows": [[..], ..]}')
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="LITERAL",
        help="a SQL literal for the next ? placeholder (e.g. \"DATE '2025-04-01'\"); repeat in order",
    )


def run(args: argparse.Namespace) -> int:
    try:
        sql = query_text(args)
        columns, rows = run_query(args.warehouse, sql, args.param)
    except QueryError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ImportError as error:
        print(
            f"error: {error.name} is missing: install the local extra (pip install -e '.[local]')",
            file=sys.stderr,
        )
        return 2
    except Exception as error:  # a bug in the engine: one line for the user, not a stack trace
        first = str(error).splitlines()[0] if str(error) else ""
        print(f"error: internal error ({type(error).__name__}): {first}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"columns": columns, "rows": rows}))
    else:
        print(render(columns, rows))
    return 0


def query_text(args: argparse.Namespace) -> str:
    if args.sql is not None and args.file is not None:
        raise QueryError("give the query as an argument or with --file, not both")
    if args.sql is None and args.file is None:
        raise QueryError("give the query as an argument or with --file")
    if args.file is None:
        return args.sql
    try:
        return sys.stdin.read() if args.file == "-" else Path(args.file).read_text()
    except OSError as error:
        raise QueryError(f"cannot read {args.file}: {error.strerror}") from None
