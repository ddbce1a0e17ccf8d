"""The local Athena catalog: an in-memory DuckDB where each Delta table of the warehouse is a view
`<layer>.<table>` over delta-rs's Arrow dataset, and the analyst views of sql/views are views too.

Only the tables a query names (directly or through a view) are opened, so a query on gold does not
pay for reading bronze's log. Timestamps are presented as plain TIMESTAMP in UTC: Spark writes
Delta timestamps as instants, which Athena reads as `timestamp` (no zone)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
from deltalake import DeltaTable
from sqlglot import exp

from lakehouse.query.dialect import to_duckdb
from lakehouse.query.errors import QueryError
from lakehouse.query.sql import output_names, parse_statement, parse_view, table_refs
from shared.contract import BRONZE, GOLD, SILVER
from shared.warehouse import SQL_NAME, absolute, table_path

LAYERS = (BRONZE, SILVER, GOLD)
VIEWS_DIR = Path(__file__).resolve().parents[2] / "sql" / "views"  # the repository's sql/views
DELTA_LOG = "_delta_log"
HIDDEN_PREFIX = "_"  # bookkeeping tables (_file_ledger, _watermarks) are not for analysts
Ref = tuple[str, str]  # (layer, table), lower case


@dataclass(frozen=True)
class View:
    file: Path
    body: exp.Expression
    refs: frozenset[Ref]


def discover_tables(warehouse: str) -> dict[Ref, str]:
    """Every Delta table under <warehouse>/<layer>/, by (layer, table)."""
    tables = {}
    for layer in LAYERS:
        folder = os.path.join(absolute(warehouse), layer)
        names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
        for name in names:
            path = table_path(warehouse, layer, name)
            # Only names safe as SQL identifiers: they go into DuckDB's CREATE VIEW.
            safe = SQL_NAME.fullmatch(name.lower()) is not None
            if safe and not name.startswith(HIDDEN_PREFIX) and os.path.isdir(os.path.join(path, DELTA_LOG)):
                tables[(layer, name.lower())] = path
    return tables


def load_views(folder: Path) -> dict[Ref, View]:
    """The `CREATE OR REPLACE VIEW <layer>.<name> AS ...` files of `folder`, by view name."""
    views = {}
    for file in sorted(folder.glob("*.sql")) if folder.is_dir() else []:
        try:
            ref, body = parse_view(file.read_text())
        except QueryError as error:
            raise QueryError(f"view file {file.name}: {error}") from None
        views[ref] = View(file, body, frozenset(table_refs(body)))
    return views


def one_line(error: Exception) -> str:
    """DuckDB's message without the echo of the (transpiled) SQL that follows it."""
    lines = []
    for line in str(error).splitlines():
        if not line.strip() or line.startswith("LINE "):
            break
        lines.append(line.strip())
    return " ".join(lines) or type(error).__name__


class Session:
    """One DuckDB connection for one query; tables and views are created on first use."""

    def __init__(
        self,
        warehouse: str,
        views_dir: Path,
        tables: dict[Ref, str] | None = None,
        storage_options: dict[str, str] | None = None,
        views: dict[Ref, View] | None = None,
    ):
        """`tables` maps (database, table) to a Delta location (default: the warehouse's layers);
        `storage_options` are delta-rs's, for s3:// locations; `views` (default: the files of
        `views_dir`) are the views by (database, name)."""
        self.warehouse = warehouse
        self.tables = discover_tables(warehouse) if tables is None else tables
        self.storage_options = storage_options
        self.views = load_views(views_dir) if views is None else views
        self.ready: set[Ref] = set()
        self.preparing: set[Ref] = set()  # guards against views that read each other in a cycle
        self.con = duckdb.connect()
        # Timestamps with a zone (Delta's) are shown in UTC, like the Spark session writes them.
        self.con.execute("SET TimeZone = 'UTC'")
        for layer in sorted({*LAYERS, *(ref[0] for ref in [*self.tables, *self.views])}):
            self.con.execute(f'CREATE SCHEMA IF NOT EXISTS "{layer}"')

    def close(self) -> None:
        self.con.close()

    def check(self, refs: set[Ref]) -> None:
        for layer, name in sorted(refs):
            if (layer, name) in self.tables or (layer, name) in self.views:
                continue
            if not layer:
                raise QueryError(
                    f"unknown table {name}: qualify it with its layer (bronze., silver. or gold.)"
                )
            known = sorted(n for (lay, n) in [*self.tables, *self.views] if lay == layer)
            hint = f" ({layer} has: {', '.join(known)})" if known else ""
            raise QueryError(f"unknown table {layer}.{name} in warehouse {self.warehouse}{hint}")

    def prepare(self, ref: Ref) -> None:
        """Create the DuckDB relation for a table or view (and, for a view, what it reads)."""
        if ref in self.ready:
            return
        if ref in self.preparing:
            raise QueryError(f"view {'.'.join(ref)} depends on itself")
        self.preparing.add(ref)
        if ref in self.views:
            view = self.views[ref]
            self.check(set(view.refs))
            for dependency in sorted(view.refs):
                self.prepare(dependency)
            self.create_view(ref, view)
        else:
            self.register_table(ref)
        self.ready.add(ref)

    def register_table(self, ref: Ref) -> None:
        layer, name = ref
        try:
            dataset = DeltaTable(self.tables[ref], storage_options=self.storage_options).to_pyarrow_dataset()
        except Exception as error:  # a damaged or unreadable table: say which one
            raise QueryError(f"cannot read table {layer}.{name}: {one_line(error)}") from None
        arrow_name = f"__delta_{layer}_{name}"
        self.con.register(arrow_name, dataset)
        zoned = [f.name for f in dataset.schema if pa.types.is_timestamp(f.type) and f.type.tz]
        replace = ", ".join(f'CAST("{c}" AS TIMESTAMP) AS "{c}"' for c in zoned)
        star = f"* REPLACE ({replace})" if zoned else "*"
        self.con.execute(f'CREATE VIEW "{layer}"."{name}" AS SELECT {star} FROM "{arrow_name}"')

    def create_view(self, ref: Ref, view: View) -> None:
        layer, name = ref
        target = f'"{layer}"."{name}"'
        body = to_duckdb(view.body, self.schema(view.refs))
        try:
            self.con.execute(f"CREATE VIEW {target} AS {body}")
            # Athena names the view's columns as it names a query's: rename where DuckDB differs.
            engine_names = [row[0] for row in self.con.execute(f"DESCRIBE {target}").fetchall()]
            names = output_names(view.body, engine_names)
            if names != engine_names:
                columns = ", ".join(f'"{n}"' for n in names)
                self.con.execute(f"CREATE OR REPLACE VIEW {target} ({columns}) AS {body}")
        except duckdb.Error as error:
            raise QueryError(f"view {layer}.{name} ({view.file.name}): {one_line(error)}") from None

    def schema(self, refs) -> dict:
        """{layer: {table: {column: duckdb type}}} of prepared relations, for sqlglot's typing."""
        schema: dict = {}
        for layer, name in refs:
            if (layer, name) in self.ready:
                rows = self.con.execute(f'DESCRIBE "{layer}"."{name}"').fetchall()
                schema.setdefault(layer, {})[name] = {row[0]: row[1] for row in rows}
        return schema

    def query(self, statement: exp.Expression) -> tuple[list[str], list[tuple]]:
        refs = table_refs(statement)
        self.check(refs)
        for ref in sorted(refs):
            self.prepare(ref)
        try:
            cursor = self.con.execute(to_duckdb(statement, self.schema(refs)))
            engine_names = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
        except duckdb.Error as error:
            raise QueryError(one_line(error)) from None
        return output_names(statement, engine_names), rows


def execute(
    warehouse: str,
    sql: str,
    views_dir: Path = VIEWS_DIR,
    tables: dict[Ref, str] | None = None,
    storage_options: dict[str, str] | None = None,
    views: dict[Ref, View] | None = None,
) -> tuple[list[str], list[tuple]]:
    """Run one bound Athena query; result values are DuckDB's Python objects."""
    statement = parse_statement(sql)
    session = Session(warehouse, views_dir, tables, storage_options, views)
    try:
        return session.query(statement)
    finally:
        session.close()
