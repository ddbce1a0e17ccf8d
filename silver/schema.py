"""Silver table schemas, derived from the contract so a field is declared once."""

from __future__ import annotations

from pyspark.sql.types import (
    ArrayType,
    DataType,
    DateType,
    DecimalType,
    IntegerType,
    LongType,
    MapType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from shared.contract import (
    BIGINT,
    DATE,
    DECIMAL,
    DECIMAL_PRECISION,
    DECIMAL_SCALE,
    FIELDS,
    INGESTED_AT,
    INT,
    OPTIONAL,
    PRODUCTS,
    ROW_NUMBER,
    SILVER_RUN_ID,
    SOURCE_FILE,
    SOURCE_HASH,
    STRING,
    TIMESTAMP,
    UPDATED_AT,
)

SPARK_TYPES: dict[str, DataType] = {
    BIGINT: LongType(),
    INT: IntegerType(),
    DECIMAL: DecimalType(DECIMAL_PRECISION, DECIMAL_SCALE),
    TIMESTAMP: TimestampType(),  # not timestamp_ntz: Athena reads reader protocol <= 3
    DATE: DateType(),
    STRING: StringType(),
}

# Lineage kept on every silver row: where the winning version of the row came from.
SILVER_LINEAGE = (
    StructField(SOURCE_FILE, StringType(), nullable=False),
    StructField(SOURCE_HASH, StringType(), nullable=False),
    StructField(ROW_NUMBER, LongType(), nullable=False),
    StructField(INGESTED_AT, TimestampType(), nullable=False),
    StructField(SILVER_RUN_ID, StringType(), nullable=False),
    StructField(UPDATED_AT, TimestampType(), nullable=False),
)


def silver_schema(dataset: str) -> StructType:
    """Typed contract fields (required ones NOT NULL, enforced by Delta) plus lineage."""
    fields = [StructField(f.name, SPARK_TYPES[f.type], nullable=f.kind == OPTIONAL) for f in FIELDS[dataset]]
    return StructType(fields + list(SILVER_LINEAGE))


def silver_checks(dataset: str) -> dict[str, str]:
    """Delta CHECK constraints for the contract's ranges: a bug that lets a bad row through the
    validator fails the MERGE instead of publishing the row."""
    checks = {}
    for f in FIELDS[dataset]:
        bounds = []
        if f.min is not None:
            bounds.append(f"{f.name} >= {f.min}")
        if f.max is not None:
            bounds.append(f"{f.name} <= {f.max}")
        if bounds:
            rule = " AND ".join(bounds)
            checks[f"{f.name}_range"] = f"{f.name} IS NULL OR ({rule})" if f.kind == OPTIONAL else rule
    if dataset != PRODUCTS:
        checks["date_matches_timestamp"] = "date = CAST(order_timestamp AS DATE)"
    return checks


QUARANTINE_SCHEMA = StructType(
    [
        StructField("dataset", StringType(), nullable=False),
        StructField("disposition", StringType(), nullable=False),
        StructField("reasons", ArrayType(StringType()), nullable=False),
        StructField("record", MapType(StringType(), StringType())),
        StructField("malformed_record", StringType()),
        StructField("source_file", StringType(), nullable=False),
        StructField("source_hash", StringType(), nullable=False),
        StructField("row_number", LongType(), nullable=False),
        StructField("ingested_at", TimestampType(), nullable=False),
        StructField("run_id", StringType(), nullable=False),
        StructField("first_seen_at", TimestampType(), nullable=False),
        StructField("resolved_run_id", StringType()),
        StructField("resolved_at", TimestampType()),
    ]
)
QUARANTINE_KEY = ("dataset", "source_hash", "row_number")
