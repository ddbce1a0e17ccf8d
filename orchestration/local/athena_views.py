"""Athena views on the local runtime, kept where Athena keeps them: `CREATE [OR REPLACE] VIEW db.name
AS <query>` checks the query against the catalog, then writes a Glue table of type VIRTUAL_VIEW
whose ViewOriginalText is `/* Presto View: <base64 JSON> */` (the query, its database and its
columns), as Athena does. A query that names the view reads its SQL back from the catalog."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from sqlglot import exp

from lakehouse.query.engine import Session, View
from lakehouse.query.sql import parse_statement, table_refs

PRESTO_PREFIX, PRESTO_SUFFIX = "/* Presto View: ", " */"
VIRTUAL_VIEW = "VIRTUAL_VIEW"
# DuckDB's type names as Athena (Trino) names them in a view's columns.
ATHENA_TYPES = {"VARCHAR": "varchar", "INTEGER": "integer", "BIGINT": "bigint", "DOUBLE": "double"}


def is_create_view(statement: exp.Expression) -> bool:
    return isinstance(statement, exp.Create) and statement.kind == "VIEW"


def encode(sql: str, database: str, columns: list[tuple[str, str]]) -> str:
    view = {
        "originalSql": sql,
        "catalog": "awsdatacatalog",
        "schema": database,
        "columns": [{"name": name, "type": kind} for name, kind in columns],
    }
    return PRESTO_PREFIX + base64.b64encode(json.dumps(view).encode()).decode() + PRESTO_SUFFIX


def decode(text: str) -> dict:
    """The view's JSON: originalSql, schema, columns."""
    if not (text.startswith(PRESTO_PREFIX) and text.endswith(PRESTO_SUFFIX)):
        raise ValueError("not an Athena view: ViewOriginalText lacks the Presto View header")
    return json.loads(base64.b64decode(text[len(PRESTO_PREFIX) : -len(PRESTO_SUFFIX)]))


def athena_type(duckdb_type: str) -> str:
    return ATHENA_TYPES.get(duckdb_type, duckdb_type.lower())


def resolve(glue, statement: exp.Expression, database: str | None):
    """({(db, table): location}, {(db, view): View}) of what the statement reads, views followed
    into what they read. Unqualified names are qualified (in place) with the context database;
    a name Glue does not know is left out, so the engine reports it as unknown."""

    ctes = {cte.alias_or_name.lower() for cte in statement.find_all(exp.CTE)}
    for table in statement.find_all(exp.Table):
        unqualified = isinstance(table.this, exp.Identifier) and not table.db
        if unqualified and database and table.name.lower() not in ctes:
            table.set("db", exp.to_identifier(database))
    tables, views = {}, {}
    for db, name in table_refs(statement):
        try:
            entry = glue.get_table(DatabaseName=db, Name=name)["Table"]
        except glue.exceptions.EntityNotFoundException:
            continue
        if entry.get("TableType") != VIRTUAL_VIEW:
            tables[(db, name)] = entry["StorageDescriptor"]["Location"]
            continue
        body = parse_statement(decode(entry["ViewOriginalText"])["originalSql"])
        inner_tables, inner_views = resolve(glue, body, db)
        tables.update(inner_tables)
        views.update(inner_views)
        views[(db, name)] = View(Path(f"{db}.{name}"), body, frozenset(table_refs(body)))
    return tables, views


def create_view(glue, statement: exp.Create, database: str | None, storage_options: dict) -> None:
    """Check the view's query on the engine (its columns and their types), then write it to Glue."""

    target = statement.this.this if isinstance(statement.this, exp.Schema) else statement.this
    db = (target.db or database or "").lower()
    name = target.name.lower()
    if not db:
        raise ValueError(f"view {name}: no database given and no context database")
    body = statement.expression
    tables, views = resolve(glue, body, db)
    ref = (db, name)
    views[ref] = View(Path(f"{db}.{name}"), body, frozenset(table_refs(body)))
    session = Session("", Path("/nonexistent"), tables, storage_options, views)
    try:
        session.prepare(ref)
        described = session.con.execute(f'DESCRIBE "{db}"."{name}"').fetchall()
    finally:
        session.close()
    columns = [(row[0], athena_type(row[1])) for row in described]
    table_input = {
        "Name": name,
        "TableType": VIRTUAL_VIEW,
        "Parameters": {"presto_view": "true", "comment": "Presto View"},
        "ViewOriginalText": encode(body.sql(dialect="athena"), db, columns),
        "ViewExpandedText": "/* Presto View */",
        "StorageDescriptor": {"Columns": [{"Name": n, "Type": t} for n, t in columns]},
    }
    try:
        existing = glue.get_table(DatabaseName=db, Name=name)["Table"]
    except glue.exceptions.EntityNotFoundException:
        glue.create_table(DatabaseName=db, TableInput=table_input)
        return
    if existing.get("TableType") != VIRTUAL_VIEW:
        raise ValueError(f"{db}.{name} is a table, not a view")
    if not statement.args.get("replace"):
        raise ValueError(f"view {db}.{name} already exists")
    glue.update_table(DatabaseName=db, TableInput=table_input)
