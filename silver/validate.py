"""Row validation: bronze strings -> typed, trimmed values plus the contract's reasons for each row.

Everything is driven by `contract.FIELDS`: a field's type picks its parser, its kind picks the
missing-value reason, its min/max give the range. Checks never fail the job: a value that does not
parse becomes null and the reason says why (see README "Data contract").
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import DecimalType

from shared import contract as c
from shared.contract import Field

# Java regexes anchored with `\z`: `$` would also match before a final line terminator (U+2028...).
INTEGER_RE = r"^[+-]?[0-9]+\z"
DECIMAL_RE = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)\z"
DATE_RE = r"^([0-9]{4})-([0-9]{2})-([0-9]{2})\z"
# Groups: 1 year, 2 month, 3 day, 4 hour, 5 minute, 6 second, 7 fraction, 8 offset (Z or +-HH:MM).
TIMESTAMP_RE = (
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:\.([0-9]+))?)?(Z|[+-][0-9]{2}:[0-9]{2})?\z"
)
# White space is Java's \s (space, tab, LF, VT, FF, CR), as bronze's blank-line rule: Spark's
# trim() would remove spaces only; btrim with this set trims exactly these, without a regex.
WHITE_SPACE = " \t\n\u000b\f\r"
SECONDS_PER_DAY = 86400
DECIMAL_TYPE = DecimalType(c.DECIMAL_PRECISION, c.DECIMAL_SCALE)


def clean(value: Column) -> Column:
    """Trimmed value; null when missing or empty after trimming."""
    trimmed = F.btrim(value, F.lit(WHITE_SPACE))
    return F.when(trimmed != "", trimmed)


def parse_bigint(value: Column) -> Column:
    # The regex rejects what Spark's cast would tolerate (`1.5` -> 1); the cast nulls an overflow.
    return F.when(value.rlike(INTEGER_RE), value.cast("long"))


def parse_int(value: Column) -> Column:
    return F.when(value.rlike(INTEGER_RE), value.cast("int"))


def decimal_places(value: Column) -> Column:
    return F.length(F.regexp_extract(value, r"\.([0-9]*)\z", 1))


def parse_decimal(value: Column) -> Column:
    """decimal(12,2), null when not plain decimal notation, beyond 2 places or too big (a range
    problem, not a type problem: `is_well_formed` tells them apart)."""
    fits = value.rlike(DECIMAL_RE) & (decimal_places(value) <= c.DECIMAL_SCALE)
    # Non-ANSI cast: an overflow of decimal(12,2) is null, never a rounding or an error.
    return F.when(fits, value.cast(DECIMAL_TYPE))


def regex_groups(value: Column, pattern: str, count: int) -> Callable[[int], Column]:
    """Group i (1-based, "" when it did not take part) of `pattern`'s match on a value that
    matches: one regex evaluation for all groups (comma-joined, then split), where a
    regexp_extract per group would evaluate it once per group."""
    joined = F.regexp_replace(value, pattern, ",".join(f"${i}" for i in range(1, count + 1)))
    parts = F.split(joined, ",")
    return lambda i: parts.getItem(i - 1)


def parse_date(value: Column) -> Column:
    groups = regex_groups(value, DATE_RE, 3)

    def part(i: int) -> Column:
        return groups(i).cast("int")

    # make_date is null for a calendar-invalid date (ANSI off), independent of any parser policy;
    # make_date accepts year 0, but Spark supports dates 0001-01-01..9999-12-31 only.
    valid = value.rlike(DATE_RE) & (part(1) >= 1)
    return F.when(valid, F.make_date(part(1), part(2), part(3)))


def parse_timestamp(value: Column) -> Column:
    """UTC instant, null when the form or the calendar is invalid. Fully explicit about time zones
    so the result does not depend on the session time zone."""

    group = regex_groups(value, TIMESTAMP_RE, 8)

    second = F.when(group(6) == "", F.lit("00")).otherwise(group(6))
    # rpad both pads and cuts: fractions beyond microseconds are truncated, not rounded.
    seconds = F.concat(second, F.lit("."), F.rpad(group(7), 6, "0")).cast(DecimalType(8, 6))
    wall_clock = F.make_timestamp(*(group(i).cast("int") for i in range(1, 6)), seconds, F.lit("UTC"))
    offset = group(8)
    # No offset and `Z` both mean UTC: their empty hour/minute parts count as 0.
    offset_hours = F.coalesce(F.substring(offset, 2, 2).cast("int"), F.lit(0))
    offset_minutes = F.coalesce(F.substring(offset, 5, 2).cast("int"), F.lit(0))
    sign = F.when(offset.startswith("-"), -1).otherwise(1)
    offset_seconds = sign * (offset_hours * 3600 + offset_minutes * 60)
    valid = (
        value.rlike(TIMESTAMP_RE)
        # make_timestamp accepts second 60 (as the next minute); the contract does not.
        & (second.cast("int") < 60)
        & (offset_hours < 24)
        & (offset_minutes < 60)
    )
    utc = F.timestamp_micros(F.unix_micros(wall_clock) - offset_seconds.cast("long") * 1_000_000)
    return F.when(valid, utc)


PARSERS: dict[str, Callable[[Column], Column]] = {
    c.BIGINT: parse_bigint,
    c.INT: parse_int,
    c.DECIMAL: parse_decimal,
    c.DATE: parse_date,
    c.TIMESTAMP: parse_timestamp,
    c.STRING: lambda value: value,
}


def is_well_formed(field: Field, value: Column, parsed: Column) -> Column:
    # Only decimals can be well formed yet unrepresentable (too many places, too big).
    return value.rlike(DECIMAL_RE) if field.type == c.DECIMAL else parsed.isNotNull()


def in_range(field: Field, parsed: Column, run_ts: datetime.datetime) -> Column:
    ok = parsed.isNotNull()
    if field.min is not None:
        ok = ok & (parsed >= F.lit(field.min))
    if field.max is not None:
        ok = ok & (parsed <= F.lit(field.max))
    if field.type == c.TIMESTAMP:
        lowest = datetime.datetime.fromisoformat(c.MIN_TIMESTAMP).replace(tzinfo=datetime.UTC)
        ok = ok & parsed.between(F.lit(lowest), F.lit(run_ts + datetime.timedelta(days=1)))
    return ok


def field_reason(field: Field, value: Column, parsed: Column, run_ts: datetime.datetime) -> Column:
    """The first failing check's reason (missing, type, range), null when the value is fine."""
    missing = {c.KEY: c.NULL_KEY, c.REQUIRED: c.MISSING_VALUE}.get(field.kind)
    is_timestamp = field.type == c.TIMESTAMP
    return (
        F.when(value.isNull(), F.lit(missing).cast("string"))
        .when(~is_well_formed(field, value, parsed), c.BAD_TIMESTAMP if is_timestamp else c.BAD_TYPE)
        .when(~in_range(field, parsed, run_ts), c.BAD_TIMESTAMP if is_timestamp else c.OUT_OF_RANGE)
    )


def utc_date(ts: Column) -> Column:
    # Whole days since the epoch, so the date is UTC whatever the session time zone is.
    return F.date_from_unix_date(F.floor(F.unix_seconds(ts) / SECONDS_PER_DAY).cast("int"))


def date_mismatches(fields: tuple[Field, ...], typed: dict[str, Column]) -> list[Column]:
    """DATE_MISMATCH when a valid date is not the UTC date of the dataset's valid timestamp.
    Driven by type: every date field is checked against the dataset's (single) timestamp field."""
    timestamps = [f.name for f in fields if f.type == c.TIMESTAMP]
    if len(timestamps) != 1:
        return []
    ts = typed[timestamps[0]]
    return [F.when(typed[f.name] != utc_date(ts), F.lit(c.DATE_MISMATCH)) for f in fields if f.type == c.DATE]


def validate(df: DataFrame, dataset: str, run_ts: datetime.datetime) -> DataFrame:
    """Type, trim and check each field of a bronze-shaped DataFrame; append `_raw` and `_reasons`.

    Other columns (lineage, `_malformed_record`) pass through in place. A malformed row is not
    interpreted: its typed fields are null and its only reason is MALFORMED_ROW.
    """
    if run_ts.tzinfo is None:  # the contract's instants are UTC; be explicit for Spark's lit()
        run_ts = run_ts.replace(tzinfo=datetime.UTC)
    fields = c.FIELDS[dataset]
    malformed = F.col(c.MALFORMED_RECORD).isNotNull()

    # Staged selects, one per step: each value is trimmed once, parsed once and checked once.
    # Written as one nested expression, every use repeats the regexes below it and the generated
    # code outgrows the JVM's method limit (Spark then falls back to slow interpretation).
    def step(prefix: str, make) -> DataFrame:
        return staged.select("*", *(make(f).alias(f"__{prefix}_{f.name}") for f in fields))

    staged = df
    staged = step("v", lambda f: clean(F.col(f.name)))
    staged = step("p", lambda f: PARSERS[f.type](F.col(f"__v_{f.name}")))
    staged = step("r", lambda f: field_reason(f, F.col(f"__v_{f.name}"), F.col(f"__p_{f.name}"), run_ts))
    staged = step("t", lambda f: F.when(~malformed & F.col(f"__r_{f.name}").isNull(), F.col(f"__p_{f.name}")))

    typed = {f.name: F.col(f"__t_{f.name}") for f in fields}
    reasons = [F.col(f"__r_{f.name}") for f in fields] + date_mismatches(fields, typed)
    row_reasons = F.when(malformed, F.array(F.lit(c.MALFORMED_ROW))).otherwise(
        F.array_sort(F.array_distinct(F.array_compact(F.array(*reasons))))
    )
    raw = F.create_map(*(x for f in fields for x in (F.lit(f.name), F.col(f.name))))
    return staged.select(
        *(typed[name].alias(name) if name in typed else F.col(name) for name in df.columns),
        raw.alias(c.RAW),
        row_reasons.alias(c.REASONS),
    )
