"""Bronze: raw CSV rows appended verbatim (every column as the string in the file) to
bronze.<dataset>, with lineage columns, append-only and idempotent per file content."""

from __future__ import annotations

import datetime as dt
import posixpath
from dataclasses import dataclass, replace

from delta.tables import DeltaTable
from pyspark.sql import Column, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from bronze import ledger
from bronze.files import FilePlan, RawFile, confined, group_by_layout, plan_files, relative_to
from shared import compaction, delta, storage
from shared.contract import (
    BRONZE,
    DATASETS,
    FIELD_NAMES,
    INGEST,
    INGESTED_AT,
    MALFORMED_RECORD,
    ROW_NUMBER,
    RUN_ID,
    SKIP,
    SOURCE_FILE,
    SOURCE_HASH,
)
from shared.schemas import bronze_schema
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


def header_line(content: Column) -> Column:
    """First non-blank line of the file's first bytes, without a UTF-8 BOM."""
    head = F.decode(F.substring(content, 1, HEADER_BYTES), "UTF-8")
    return F.regexp_extract(F.regexp_replace(head, "^\ufeff", ""), r"^\s*([^\r\n]*)", 1)


EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # pragma: allowlist secret


def _scan(spark: SparkSession, paths: list[str]) -> dict[str, dict]:
    """sha-256, header, UTF-8 validity and quote balance of each file, in one binary scan."""
    if not paths:
        return {}
    text = F.decode("content", "UTF-8")  # every invalid UTF-8 sequence becomes U+FFFD
    quotes = F.length(text) - F.length(F.regexp_replace(text, '"', ""))
    crlf_first = F.regexp_extract(text, r"(\r\n|\n|\r)", 1) == "\r\n"
    # Quoted fields removed (an unrolled, possessive pattern: no deep regex recursion), is a bare LF left?
    unquoted = F.regexp_replace(text, r'"[^"]*+(?:""[^"]*+)*+"', "")
    mixed = F.when(crlf_first, unquoted.rlike(r"(?<!\r)\n")).otherwise(F.lit(False))
    scan = spark.read.format("binaryFile").load(paths)
    return {
        row.path: row.asDict()
        for row in scan.select(
            "path",
            F.sha2("content", 256).alias("hash"),
            header_line(F.col("content")).alias("header"),
            (F.instr(text, "\ufffd") == 0).alias("utf8"),
            (quotes % 2 == 0).alias("quotes_balanced"),
            (~mixed).alias("line_endings_consistent"),
        ).collect()
    }


def describe_files(spark: SparkSession, raw_root: str, dataset: str, warehouse: str) -> list[RawFile]:
    """Path, size, sha-256, header and checks of every file in the dataset's raw folder (one Spark
    scan of the non-empty .csv files with a safe path), flagged when the ledger already holds its
    content. Only this per-file metadata reaches the driver."""
    root = storage.qualify(spark, raw_root)
    listing = storage.list_files(spark, f"{root}/{dataset}", "")
    if not listing:
        return []
    named = [(path, encoded, size, relative_to(root, path) or path) for path, encoded, size in listing]
    readable = [
        path
        for path, _, size, file in named
        if size > 0 and confined(file, dataset) and file.lower().endswith(".csv")
    ]
    scanned = _scan(spark, readable)
    hashes = {x["hash"] for x in scanned.values()} | {EMPTY_SHA256}
    ingested = ledger.ingested_hashes(spark, warehouse, dataset, hashes)
    described = []
    for path, encoded, size, file in named:
        found = scanned.get(path, {})
        digest = found.get("hash", EMPTY_SHA256)
        described.append(
            RawFile(
                uri=path,
                encoded_uri=encoded,
                file=file,
                size=size,
                hash=digest,
                header=found.get("header") or None,
                already_ingested=digest in ingested,
                utf8=found.get("utf8", True),
                quotes_balanced=found.get("quotes_balanced", True),
                line_endings_consistent=found.get("line_endings_consistent", True),
            )
        )
    return described


def describe_strays(spark: SparkSession, raw_root: str) -> list[RawFile]:
    """Files under the raw root outside every dataset folder, except hidden ones (name starting
    with `_` or `.`, as Hadoop hides them: e.g. the generator's `_manifest.json`). Never read:
    their content is not hashed; the hash of the empty file stands in."""
    root = storage.qualify(spark, raw_root)
    strays = []
    for path, encoded, size in storage.list_files(spark, root, ""):
        file = relative_to(root, path) or path
        hidden = posixpath.basename(file).startswith(("_", "."))
        if not hidden and (file.split("/")[0] not in DATASETS or len(file.split("/")) < 2):
            strays.append(RawFile(path, encoded, file, size, EMPTY_SHA256, None))
    return strays


def read_layout(spark: SparkSession, dataset: str, plans: list[FilePlan], run_id: str, run_ts: dt.datetime):
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
        F.lit(run_ts).cast("timestamp").alias(INGESTED_AT),
    )


@dataclass
class BronzeResult:
    dataset: str
    plans: list[FilePlan]
    rows_appended: int
    rows_by_hash: dict[str, int]


def ensure_bronze_tables(spark: SparkSession, warehouse: str, dataset: str) -> None:
    # Change Data Feed lets silver read exactly the rows appended since its watermark.
    delta.ensure_table(
        spark,
        table_path(warehouse, BRONZE, dataset),
        bronze_schema(dataset),
        properties={"delta.enableChangeDataFeed": "true", "delta.appendOnly": "true"},
    )
    delta.ensure_table(spark, ledger_path(warehouse), ledger.LEDGER_SCHEMA)


def append_bronze(
    spark: SparkSession, warehouse: str, dataset: str, plans, run_id: str, run_ts
) -> dict[str, int]:
    """Insert the rows of every file planned for ingestion in one commit tagged with the run id
    (see bronze.ledger.recover), as an insert-only MERGE on (content hash, row number): a row
    already in bronze is never added twice, and a concurrent run ingesting the same content makes
    one of the two commits conflict (Delta) instead of both appending. Returns the rows added per
    content (sha-256), from that commit's change feed (one row per file reaches the driver)."""
    layouts = [
        read_layout(spark, dataset, group, run_id, run_ts) for group in group_by_layout(plans).values()
    ]
    if not layouts:
        return {}
    path = table_path(warehouse, BRONZE, dataset)
    hashes = sorted({p.raw.hash for p in plans if p.action == INGEST})
    on = F.col(f"t.{SOURCE_HASH}").isin(hashes) & delta.same_keys(SOURCE_HASH, ROW_NUMBER)
    with delta.commit_metadata(spark, run_id):
        target = DeltaTable.forPath(spark, path).alias("t")
        target.merge(delta.union_all(layouts).alias("s"), on).whenNotMatchedInsertAll().execute()
    version = delta.version_of(spark, path, run_id)
    if version is None:  # nothing was inserted, and Delta made no commit
        return {}
    added = delta.changes(spark, path, version, version).where(F.col(RUN_ID) == run_id)
    return {r[0]: r[1] for r in added.groupBy(SOURCE_HASH).count().collect()}


def settle(spark: SparkSession, warehouse: str, dataset: str, plans: list[FilePlan], rows: dict[str, int]):
    """A content planned for ingestion that added no row while bronze holds rows of it was
    ingested by a concurrent run between our plan and our commit: it is a skip, not an ingest."""
    idle = sorted({p.raw.hash for p in plans if p.action == INGEST and not rows.get(p.raw.hash)})
    if not idle:
        return plans
    bronze = delta.read(spark, table_path(warehouse, BRONZE, dataset))
    held = {
        r[0] for r in bronze.where(F.col(SOURCE_HASH).isin(idle)).select(SOURCE_HASH).distinct().collect()
    }
    skipped = "content already in bronze (ingested by a concurrent run)"
    return [
        replace(p, action=SKIP, detail=skipped, positions=None)
        if p.action == INGEST and p.raw.hash in held
        else p
        for p in plans
    ]


def ingest_dataset(
    spark: SparkSession, raw_root: str, warehouse: str, dataset: str, run_id: str, run_ts: dt.datetime
) -> BronzeResult:
    """Add the dataset's new raw files to bronze in one commit, then record every file's fate in
    the ledger (ingest, skip, reject). Retried as a whole when a concurrent run's commit conflicts.
    A dataset folder with no file costs a listing and the tables' existence checks: no data read,
    no commit, no compaction (an interrupted run's rows are recovered by the next run that has
    files: they are still in raw)."""
    if not storage.list_files(spark, f"{storage.qualify(spark, raw_root)}/{dataset}", ""):
        ensure_bronze_tables(spark, warehouse, dataset)
        return BronzeResult(dataset, [], 0, {})

    def step() -> BronzeResult:
        ensure_bronze_tables(spark, warehouse, dataset)
        ledger.recover(spark, warehouse, dataset, run_ts)
        plans = plan_files(dataset, describe_files(spark, raw_root, dataset, warehouse))
        rows = append_bronze(spark, warehouse, dataset, plans, run_id, run_ts)
        plans = settle(spark, warehouse, dataset, plans, rows)
        ledger.record(spark, warehouse, dataset, plans, run_id, run_ts, rows)
        return BronzeResult(dataset, plans, sum(rows.values()), rows)

    result = delta.retry_on_conflict(step, f"bronze {dataset}")
    compaction.compact(spark, [table_path(warehouse, BRONZE, dataset), ledger_path(warehouse)])
    return result
