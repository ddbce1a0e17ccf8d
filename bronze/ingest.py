"""Bronze: raw CSV rows appended verbatim (every column as the string in the file) to
bronze.<dataset>, with lineage columns, append-only and idempotent per file content."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pyspark.sql import Column, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StringType, StructField, StructType, TimestampType

from bronze import ledger
from bronze.files import FilePlan, RawFile, group_by_layout, plan_files
from shared import delta, storage
from shared.contract import (
    BRONZE,
    FIELD_NAMES,
    INGESTED_AT,
    MALFORMED_RECORD,
    ROW_NUMBER,
    RUN_ID,
    SOURCE_FILE,
    SOURCE_HASH,
)
from shared.warehouse import ledger_path, table_path

# RFC 4180: comma, double quotes escaped by doubling, quoted fields may hold line breaks (multiLine).
# Nothing is trimmed or turned into null beyond Spark's "empty field is null": bronze is verbatim.
CSV_OPTIONS = {
    "header": "true",
    "enforceSchema": "true",
    "multiLine": "true",
    "sep": ",",
    "quote": '"',
    "escape": '"',
    "encoding": "UTF-8",
    "mode": "PERMISSIVE",
    "ignoreLeadingWhiteSpace": "false",
    "ignoreTrailingWhiteSpace": "false",
}
CORRUPT = "_corrupt"
HEADER_BYTES = 65536  # the header line is looked for in the first 64 KiB


def bronze_schema(dataset: str) -> StructType:
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


def header_line(content: Column) -> Column:
    """First non-blank line of the file's first bytes, without a UTF-8 BOM."""
    head = F.decode(F.substring(content, 1, HEADER_BYTES), "UTF-8")
    return F.regexp_extract(F.regexp_replace(head, "^\ufeff", ""), r"^\s*([^\r\n]*)", 1)


EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # pragma: allowlist secret


def describe_files(spark: SparkSession, raw_root: str, dataset: str, warehouse: str) -> list[RawFile]:
    """Path, size, sha-256 and header of every raw CSV of the dataset (one Spark scan of the
    non-empty files), flagged when the ledger already holds its content. Only this per-file
    metadata reaches the driver."""
    root = storage.qualify(spark, raw_root)
    listing = storage.list_files(spark, f"{root}/{dataset}", ".csv")
    if not listing:
        return []
    hash_of: dict[str, str] = {}
    header_of: dict[str, str | None] = {}
    undecodable: set[str] = set()
    non_empty = [path for path, _, size in listing if size > 0]
    if non_empty:
        scan = spark.read.format("binaryFile").load(non_empty)
        for row in scan.select(
            "path",
            F.sha2("content", 256).alias("hash"),
            header_line(F.col("content")).alias("header"),
            # Decoding replaces every invalid UTF-8 sequence with U+FFFD.
            (F.instr(F.decode("content", "UTF-8"), "\ufffd") > 0).alias("undecodable"),
        ).collect():
            hash_of[row.path], header_of[row.path] = row.hash, row.header or None
            if row.undecodable:
                undecodable.add(row.path)
    hashes = set(hash_of.values()) | {EMPTY_SHA256}
    ingested = ledger.ingested_hashes(spark, warehouse, dataset, hashes)
    described = []
    for path, encoded, size in listing:
        digest = hash_of.get(path, EMPTY_SHA256)
        described.append(
            RawFile(
                uri=path,
                encoded_uri=encoded,
                file=path[len(root) + 1 :],
                size=size,
                hash=digest,
                header=header_of.get(path),
                already_ingested=digest in ingested,
                utf8=path not in undecodable,
            )
        )
    return described


def read_layout(spark: SparkSession, dataset: str, plans: list[FilePlan], run_id: str, at: dt.datetime):
    """Rows of files sharing one header layout, contract columns picked by header position.
    A row whose field count differs from the header's keeps its raw text in MALFORMED_RECORD;
    lines holding nothing but white space are dropped (the contract ignores them)."""
    width, positions = plans[0].width, plans[0].positions
    schema = StructType([StructField(f"_c{i}", StringType()) for i in range(width)])
    schema = schema.add(StructField(CORRUPT, StringType()))
    files = spark.createDataFrame(
        [(p.raw.encoded_uri, p.raw.file, p.raw.hash) for p in plans],
        "_uri string, _file string, _hash string",
    )
    rows = (
        spark.read.schema(schema)
        .options(columnNameOfCorruptRecord=CORRUPT, **CSV_OPTIONS)
        .csv([p.raw.uri for p in plans])
        .withColumn("_uri", F.input_file_name())
        .withColumn("_seq", F.monotonically_increasing_id())
        .where(F.col(CORRUPT).isNull() | ~F.col(CORRUPT).rlike(r"^\s*$"))
        .join(F.broadcast(files), on="_uri", how="inner")
    )
    # A file is read by one task in order, so _seq orders the rows of one file.
    in_file = Window.partitionBy("_uri").orderBy("_seq")
    return rows.select(
        *[F.col(f"_c{pos}").alias(name) for name, pos in zip(FIELD_NAMES[dataset], positions, strict=True)],
        F.col(CORRUPT).alias(MALFORMED_RECORD),
        F.col("_file").alias(SOURCE_FILE),
        F.col("_hash").alias(SOURCE_HASH),
        F.row_number().over(in_file).cast("long").alias(ROW_NUMBER),
        F.lit(run_id).alias(RUN_ID),
        F.lit(at).cast("timestamp").alias(INGESTED_AT),
    )


@dataclass
class BronzeResult:
    dataset: str
    plans: list[FilePlan]
    rows_appended: int


def ensure_bronze_tables(spark: SparkSession, warehouse: str, dataset: str) -> None:
    # Change Data Feed lets silver read exactly the rows appended since its watermark.
    delta.ensure_table(
        spark,
        table_path(warehouse, BRONZE, dataset),
        bronze_schema(dataset),
        properties={"delta.enableChangeDataFeed": "true", "delta.appendOnly": "true"},
    )
    delta.ensure_table(spark, ledger_path(warehouse), ledger.LEDGER_SCHEMA)


def append_bronze(spark: SparkSession, warehouse: str, dataset: str, plans, run_id: str, at) -> int:
    """Append the rows of every file planned for ingestion in one commit tagged with the run id
    (see bronze.ledger.recover). Returns the number of rows appended, from Delta's metrics."""
    layouts = [read_layout(spark, dataset, group, run_id, at) for group in group_by_layout(plans).values()]
    if not layouts:
        return 0
    path = table_path(warehouse, BRONZE, dataset)
    delta.union_all(layouts).write.format("delta").mode("append").option("userMetadata", run_id).save(path)
    return int(delta.last_operation_metrics(spark, path).get("numOutputRows", 0))


def ingest_dataset(
    spark: SparkSession, raw_root: str, warehouse: str, dataset: str, run_id: str, at: dt.datetime
) -> BronzeResult:
    """Append the dataset's new raw files to bronze in one commit, then record every file's fate
    in the ledger (ingest, skip, reject)."""
    ensure_bronze_tables(spark, warehouse, dataset)
    ledger.recover(spark, warehouse, dataset, at)
    plans = plan_files(dataset, describe_files(spark, raw_root, dataset, warehouse))
    rows_appended = append_bronze(spark, warehouse, dataset, plans, run_id, at)
    ledger.record(spark, warehouse, dataset, plans, run_id, at)
    return BronzeResult(dataset, plans, rows_appended)
