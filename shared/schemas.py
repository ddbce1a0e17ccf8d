"""Spark schemas that more than one layer needs: bronze's, which bronze writes and silver reads."""

from __future__ import annotations

from pyspark.sql.types import LongType, StringType, StructField, StructType, TimestampType

from shared.contract import (
    FIELD_NAMES,
    INGESTED_AT,
    MALFORMED_RECORD,
    ROW_NUMBER,
    RUN_ID,
    SOURCE_FILE,
    SOURCE_HASH,
)


def bronze_schema(dataset: str) -> StructType:
    """A bronze table: every field of the dataset as text, the malformed record, the lineage."""
    return StructType(
        [StructField(name, StringType()) for name in FIELD_NAMES[dataset]]
        + [
            StructField(MALFORMED_RECORD, StringType()),
            StructField(SOURCE_FILE, StringType(), nullable=False),
            StructField(SOURCE_HASH, StringType(), nullable=False),
            StructField(ROW_NUMBER, LongType(), nullable=False),
            StructField(RUN_ID, StringType(), nullable=False),
            StructField(INGESTED_AT, TimestampType(), nullable=False),
        ]
    )
