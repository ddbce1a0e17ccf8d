"""Athena SQL as text and tree: parameter binding, parsing, the tables a query names, and the
column names Athena would give its result. Nothing here touches the warehouse or DuckDB."""

from __future__ import annotations

import logging

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from lakehouse.query.errors import QueryError

ATHENA = "athena"
# Athena's default catalog: `awsdatacatalog.silver.orders` is the same table as `silver.orders`.
DEFAULT_CATALOG = "awsdatacatalog"
# sqlglot logs a warning for statements it keeps as opaque commands (SHOW, ...); the engine
# reports those itself, in one line.
logging.getLogger("sqlglot").setLevel(logging.ERROR)


def bind_params(sql: str, params: list[str]) -> str:
    """Replace each `?` outside string literals, quoted identifiers and comments by the next
    parameter, in order, like Athena's ExecutionParameters (each one a SQL literal)."""
    out: list[str] = []
    bound, i, n = 0, 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":  # a literal or quoted identifier: '' (or "") inside is an escaped quote
            end = i + 1
            while end < n and not (sql[end] == ch and sql[end + 1 : end + 2] != ch):
                end += 2 if sql[end] == ch else 1
            end += 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
        elif ch == "?":
            if bound < len(params):
                # Padded with spaces so that `x-?` with `-1` cannot become a `--` comment.
                out.append(f" {literal(params[bound], bound + 1)} ")
            bound += 1
            i += 1
            continue
        else:
            end = i + 1
        out.append(sql[i:end])
        i = end
    if bound != len(params):
        raise QueryError(
            f"the query has {bound} parameter placeholder(s) (?) but {len(params)} value(s) were given"
        )
    return "".join(out)


def literal(text: str, position: int) -> str:
    """A parameter must be one literal value (42, 'x', DATE '2025-04-01', ...), as in Athena."""
    try:
        value = sqlglot.parse_one(text, read=ATHENA)
    except (ParseError, TokenError):
        value = None
    if value is None or any(value.find_all(exp.Column, exp.Query, exp.Table, exp.Star)):
        raise QueryError(f"parameter {position} is not a SQL literal: {text!r}")
    return text


def parse_statement(sql: str) -> exp.Expression:
    """The one query in `sql`, parsed as Athena (Trino) SQL."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=ATHENA) if s is not None]
    except ParseError as error:
        first = error.errors[0] if error.errors else {}
        where = f" at line {first['line']}, column {first['col']}" if "line" in first else ""
        near = f" near {first['highlight']!r}" if first.get("highlight") else ""
        raise QueryError(f"syntax error{where}{near}: {first.get('description', error)}") from None
    except TokenError as error:
        raise QueryError(f"syntax error: {error}") from None
    if len(statements) != 1:
        raise QueryError(f"expected one SQL statement, got {len(statements)}")
    statement = statements[0]
    if not isinstance(statement, (exp.Query, exp.Values)):
        kind = statement.key.upper() if not isinstance(statement, exp.Command) else statement.name.upper()
        raise QueryError(f"only queries (SELECT, WITH, VALUES) run locally, not {kind}")
    return statement


def parse_view(sql: str) -> tuple[tuple[str, str], exp.Expression]:
    """((layer, name), body) of a `CREATE [OR REPLACE] VIEW <layer>.<name> AS <query>` file."""
    try:
        create = sqlglot.parse_one(sql, read=ATHENA)
    except (ParseError, TokenError) as error:
        raise QueryError(f"syntax error: {str(error).splitlines()[0]}") from None
    if not isinstance(create, exp.Create) or create.kind != "VIEW":
        raise QueryError("expected one CREATE VIEW statement")
    target = create.this.this if isinstance(create.this, exp.Schema) else create.this
    return (target.db.lower(), target.name.lower()), create.expression


def table_refs(tree: exp.Expression) -> set[tuple[str, str]]:
    """(database, table) of every table the tree reads, lower case; an unqualified name that is
    not one of the query's CTEs comes back with database ''. `awsdatacatalog.` is dropped from the
    tree on the way, since the local engine has only that catalog."""
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    refs = set()
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            continue  # a table function, not a named table
        if table.catalog.lower() == DEFAULT_CATALOG:
            table.set("catalog", None)
        db, name = table.db.lower(), table.name.lower()
        if table.catalog:
            db = f"{table.catalog.lower()}.{db}"  # another catalog: reported as unknown
        if db or name not in ctes:
            refs.add((db, name))
    return refs


def output_names(query: exp.Expression, engine_names: list[str]) -> list[str]:
    """Athena's result column names: an alias, else a column's own name, else `_col<position>`.
    A `*` keeps the engine's names for the columns it expands to; with more than one `*` (or no
    SELECT on top, e.g. VALUES) the engine's names are kept as they are."""
    while isinstance(query, (exp.SetOperation, exp.Subquery)):
        query = query.this  # a UNION is named after its first SELECT
    if not isinstance(query, exp.Select):
        return list(engine_names)
    projections = query.expressions
    stars = sum(1 for p in projections if p.is_star)
    if stars > 1:
        return list(engine_names)
    star_width = len(engine_names) - (len(projections) - stars)
    names: list[str] = []
    for projection in projections:
        if projection.is_star:
            names.extend(engine_names[len(names) : len(names) + star_width])
        elif isinstance(projection, exp.Alias):
            names.append(projection.alias)
        elif isinstance(projection, exp.Column):
            names.append(projection.name)
        else:
            names.append(f"_col{len(names)}")
    return names if len(names) == len(engine_names) else list(engine_names)
