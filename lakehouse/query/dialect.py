"""Athena (Trino) SQL -> DuckDB SQL with sqlglot, plus the few fixes that keep Athena's results.

sqlglot's plain `transpile(read="athena", write="duckdb")` is right for most of what analysts
write (checked with sqlglot 30.30 on DuckDB 2.0): CTEs, count(*), CAST/TRY_CAST, `DATE '...'`
and `TIMESTAMP '...'` literals, `INTERVAL '7' DAY` arithmetic on timestamps, date_trunc on
timestamps, date_add, lag/lead/rank/row_number and framed sum() windows, day_of_week/dow
(ISODOW), week (ISO), date_format (MySQL-style format -> strftime), cardinality, element_at,
UNNEST, count_if, max_by, FILTER (WHERE ...). Where DuckDB would give another answer, the tree is
fixed here, which needs the column types (the query is qualified and type-annotated against the
schemas of the tables it reads):

- A date stays a date: DuckDB's `date + INTERVAL`, date_add and date_trunc on a DATE return a
  TIMESTAMP (Trino: a date). Cast back to DATE for day/week/month/quarter/year units.
- Integer division truncates (Trino `7 / 2` = 3, DuckDB 3.5): sqlglot emits it once both sides
  are typed. Without types (see below) `/` of two integers divides as DuckDB does.
- date_diff counts whole units elapsed (Trino) where DuckDB's date_diff counts boundaries crossed
  (Jan 31 -> Feb 1 is 0 months in Trino, 1 in DuckDB): emitted as DuckDB's date_sub, which counts
  whole units.
- `extract(DOW FROM d)` is ISO (Monday 1 .. Sunday 7) in Trino, 0 = Sunday in DuckDB: ISODOW.
- `sequence(d1, d2)` of dates: DuckDB's generate_series needs a step for dates and returns
  timestamps; given `INTERVAL '1' DAY` and cast to DATE[].
- `format_datetime(ts, 'yyyy-MM-dd')` (Joda pattern) does not exist in DuckDB: strftime with the
  pattern converted.
- count_if over no rows is 0 in Trino but NULL in DuckDB: emitted as count(CASE WHEN .. THEN 1 END).
- `approx_distinct` runs as an exact count(DISTINCT ...): DuckDB's HyperLogLog is off by a few
  percent even on small inputs, where Athena's sparse estimator is exact; exact is what both
  estimate, and it keeps tests deterministic. approx_percentile becomes approx_quantile (also an
  estimate: compare with a tolerance).

Not fixed (write the Athena SQL so both agree): avg() of a decimal and decimal / decimal are
decimals in Athena but doubles in DuckDB, so cast to double (or round) explicitly. Timestamps are
exposed as plain TIMESTAMP in UTC, as Athena reads Spark's Delta timestamps. If sqlglot cannot
qualify a query (e.g. a lambda), it is transpiled without types: the fixes that need a type
(date casts, integer division) are then skipped.
"""

from __future__ import annotations

import logging

from sqlglot import exp
from sqlglot.dialects.hive import Hive
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from lakehouse.query.sql import ATHENA

DUCKDB = "duckdb"
# Interval units after which a date is still a date in Trino.
DATE_UNITS = {"DAY", "WEEK", "MONTH", "QUARTER", "YEAR"}
DATE = exp.DataType.Type.DATE
log = logging.getLogger(__name__)


def to_duckdb(tree: exp.Expression, schema: dict) -> str:
    """DuckDB SQL for an Athena tree; `schema` is {db: {table: {column: duckdb type}}}."""
    typed = annotated(tree, schema)
    fixed = typed if typed is not None else tree.copy()
    for fix in FIXES:
        fix(fixed, typed is not None)
    return fixed.sql(dialect=DUCKDB)


def annotated(tree: exp.Expression, schema: dict) -> exp.Expression | None:
    try:
        mapping = MappingSchema(schema, dialect=DUCKDB)
        qualified = qualify(tree.copy(), schema=mapping, dialect=ATHENA, quote_identifiers=True)
        return annotate_types(qualified, schema=mapping, dialect=ATHENA)
    except Exception as error:  # sqlglot's optimizer has gaps; DuckDB still checks the query
        log.debug("query not qualified (%s); transpiled without types", error)
        return None


def is_date(node: exp.Expression | None) -> bool:
    return node is not None and node.type is not None and node.is_type(DATE)


def unit_of(node: exp.Expression) -> str:
    unit = node.args.get("unit")
    return unit.name.upper() if unit is not None else "DAY"


def wrap(node: exp.Expression, to: str) -> None:
    """Replace `node` by CAST(node AS to), moving the node itself (nested fixes stay in place)."""
    cast = exp.Cast(to=exp.DataType.build(to, dialect=DUCKDB))
    node.replace(cast)
    cast.set("this", node)


def keep_dates(tree: exp.Expression, typed: bool) -> None:
    if not typed:
        return
    for node in list(tree.find_all(exp.DateAdd, exp.DateSub, exp.DateTrunc, exp.TimestampTrunc)):
        if is_date(node.this) and unit_of(node) in DATE_UNITS:
            wrap(node, "DATE")
    for node in list(tree.find_all(exp.Add, exp.Sub)):
        interval = node.expression if isinstance(node.expression, exp.Interval) else node.this
        other = node.this if interval is node.expression else node.expression
        if isinstance(interval, exp.Interval) and is_date(other) and unit_of(interval) in DATE_UNITS:
            wrap(node, "DATE")


def whole_unit_diffs(tree: exp.Expression, typed: bool) -> None:
    for node in list(tree.find_all(exp.DateDiff)):
        unit = exp.Literal.string(unit_of(node).lower())
        node.replace(exp.Anonymous(this="DATE_SUB", expressions=[unit, node.expression, node.this]))


def iso_weekdays(tree: exp.Expression, typed: bool) -> None:
    for node in list(tree.find_all(exp.Extract)):
        if node.name.upper() in ("DOW", "DAY_OF_WEEK", "DAYOFWEEK"):
            node.replace(exp.DayOfWeekIso(this=node.expression))


def date_sequences(tree: exp.Expression, typed: bool) -> None:
    for node in list(tree.find_all(exp.GenerateSeries)):
        if is_date(node.args.get("start")):
            if node.args.get("step") is None:
                node.set("step", exp.Interval(this=exp.Literal.string("1"), unit=exp.Var(this="DAY")))
            wrap(node, "DATE[]")


def joda_formats(tree: exp.Expression, typed: bool) -> None:
    for node in list(tree.find_all(exp.Anonymous)):
        args = node.expressions
        if node.name.upper() == "FORMAT_DATETIME" and len(args) == 2 and args[1].is_string:
            node.replace(exp.TimeToStr(this=args[0], format=Hive.format_time(args[1])))


def exact_distinct(tree: exp.Expression, typed: bool) -> None:
    for node in list(tree.find_all(exp.ApproxDistinct)):
        node.replace(exp.Count(this=exp.Distinct(expressions=[node.this])))


def zero_count_ifs(tree: exp.Expression, typed: bool) -> None:
    for node in list(tree.find_all(exp.CountIf)):
        node.replace(exp.Count(this=exp.Case().when(node.this, exp.Literal.number(1))))


FIXES = (
    keep_dates,
    whole_unit_diffs,
    iso_weekdays,
    date_sequences,
    joda_formats,
    exact_distinct,
    zero_count_ifs,
)
