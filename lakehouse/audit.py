"""Bronze time-travel audits: a table's Delta history, the table as of a version or an instant, and
the lineage of one raw file down to the fate of every one of its rows.

Only aggregates and small samples reach the driver: a file's rows are found by its content hashes
(`_source_hash`, which `lakehouse maintain` Z-orders bronze by) and classified by Spark joins."""

from __future__ import annotations

import argparse
import json
import posixpath
import sys

from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import TimestampType

from lakehouse import conservation
from shared import contract as c
from shared import delta
from shared.spark import get_spark
from shared.warehouse import ledger_path, parse_instant, table_path
from silver.tables import silver_mark

QUARANTINED = (c.REJECTED, c.DUPLICATE, c.PENDING, c.EXPIRED)
# silver: the row is its key's current winner (readmitted items included); superseded: accepted,
# then replaced by a newer row of its key (or too stale to win the MERGE); unprocessed: appended
# after silver's bronze watermark, so silver has not read it yet.
OUTCOMES = ("silver", *QUARANTINED, "superseded", "unprocessed")
ISO = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"  # formatted by Spark, whose session time zone is UTC


def _path(spark: SparkSession, warehouse: str, table: str) -> str:
    layer, _, name = table.partition(".")
    path = table_path(warehouse, layer, name)
    if layer not in (c.BRONZE, c.SILVER, c.GOLD) or not name or not delta.exists(spark, path):
        raise ValueError(f"no table {table!r} in {warehouse}")
    return path


def _collect(df: DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts, timestamps as UTC ISO strings (not in Python's local zone)."""
    cols = [
        F.date_format(f.name, ISO).alias(f.name) if isinstance(f.dataType, TimestampType) else f.name
        for f in df.schema.fields
    ]
    # dates and decimals become strings, as JSON has neither
    return [json.loads(json.dumps(r.asDict(recursive=True), default=str)) for r in df.select(*cols).collect()]


def history(spark: SparkSession, warehouse: str, table: str) -> list[dict]:
    """Every commit of the table, newest first: version, time, operation, rows added, run id."""
    return _collect(delta.commit_log(spark, _path(spark, warehouse, table)).orderBy(F.desc("version")))


def snapshot(
    spark, warehouse: str, table: str, version: int | None = None, as_of: str | None = None, sample: int = 5
) -> dict:
    """Row count (per run id where the table has one) and a sample as of a version or an instant.
    An instant resolves, as Delta's timestampAsOf does, to the last commit at or before it."""
    path = _path(spark, warehouse, table)
    log = delta.commit_log(spark, path)
    first, last = log.agg(F.min("version"), F.max("version")).head()
    if as_of is not None:
        instant = F.lit(parse_instant(as_of).strftime("%Y-%m-%d %H:%M:%S.%f")).cast("timestamp")
        version = log.where(F.col("timestamp") <= instant).agg(F.max("version")).head()[0]
        if version is None:
            (start,) = log.where(F.col("version") == first).select(F.date_format("timestamp", ISO)).head()
            raise ValueError(f"{table} has no commit at or before {as_of}: its first is at {start}")
    version = last if version is None else version
    if not first <= version <= last:
        raise ValueError(f"{table} has no version {version}: available versions are {first}..{last}")
    (commit,) = _collect(log.where(F.col("version") == version))
    rows = spark.read.format("delta").option("versionAsOf", version).load(path)
    run_col = next((x for x in (c.RUN_ID, c.SILVER_RUN_ID, "run_id") if x in rows.columns), None)
    order = [
        x for x in (c.SOURCE_FILE, c.ROW_NUMBER, "source_file", "row_number", "date") if x in rows.columns
    ]
    by_run = {r[0]: r[1] for r in rows.groupBy(run_col).count().collect()} if run_col else {}
    sample_rows = _collect(rows.orderBy(*(order or rows.columns[:1])).limit(sample))
    return {"table": table, **commit, "rows": rows.count(), "rows_by_run": by_run, "sample": sample_rows}


def _outcomes(spark: SparkSession, warehouse: str, dataset: str, hashes: list[str], versions) -> DataFrame:
    """The file's bronze rows with outcome, reasons and values: joins on (hash, row number) with
    silver (the current winners) and the quarantine (keyed by dataset, hash and row number)."""
    path = table_path(warehouse, c.BRONZE, dataset)
    rows = delta.read(spark, path).where(F.col(c.SOURCE_HASH).isin(hashes))
    rows = rows.withColumns({"h": F.col(c.SOURCE_HASH), "n": F.col(c.ROW_NUMBER)})
    no_reasons = F.array().cast("array<string>")
    silver, disposition, reasons = F.lit(False), F.lit(None).cast("string"), no_reasons
    path = table_path(warehouse, c.SILVER, dataset)
    if delta.exists(spark, path):
        won = delta.read(spark, path).where(F.col(c.SOURCE_HASH).isin(hashes))
        won = won.select(
            F.col(c.SOURCE_HASH).alias("h"), F.col(c.ROW_NUMBER).alias("n"), F.lit(1).alias("won")
        )
        rows, silver = rows.join(won, on=["h", "n"], how="left"), F.col("won").isNotNull()
    held = conservation.quarantined(spark, warehouse, dataset, hashes)
    if held is not None:
        rows, disposition, reasons = (
            rows.join(held, on=["h", "n"], how="left"),
            F.col("disposition"),
            F.col("reasons"),
        )
    pairs = [F.lit(x) for pair in versions.items() for x in pair]
    version = F.create_map(*pairs)[F.col(c.RUN_ID)] if pairs else F.lit(None)
    outcome = (
        F.when(silver, "silver")
        .when(disposition.isin(*QUARANTINED), disposition)
        .when(version > silver_mark(spark, warehouse, dataset), "unprocessed")
        .otherwise("superseded")
    )
    return rows.select(
        outcome.alias("outcome"),
        F.col(c.SOURCE_FILE).alias("ingested_as"),
        F.col(c.ROW_NUMBER).alias("row_number"),
        F.when(disposition.isin(*QUARANTINED), reasons).otherwise(no_reasons).alias("reasons"),
        F.struct(*c.FIELD_NAMES[dataset], c.MALFORMED_RECORD).alias("values"),
    )


def trace_file(spark: SparkSession, warehouse: str, file: str, examples: int = 3) -> dict:
    """Lineage of one raw file (a path relative to the raw root): its ledger entries, the bronze
    commits holding its content, and the outcome of each of its rows: counts, reasons, examples."""
    file = posixpath.normpath(file)
    ledger = delta.read(spark, ledger_path(warehouse)).where(F.col("file") == file)
    entries = _collect(ledger.orderBy("recorded_at", "run_id").drop("file"))
    if not entries:
        raise ValueError(f"the file ledger has no entry for {file!r} (a path relative to the raw root)")
    dataset = entries[0]["dataset"]
    # A skipped file's content was ingested before (maybe under another name): follow its hash.
    hashes = sorted({e["hash"] for e in entries if e["action"] != "reject"})
    path = table_path(warehouse, c.BRONZE, dataset)
    report = {
        "file": file,
        "dataset": dataset,
        "ledger": entries,
        "bronze": {"table": f"{c.BRONZE}.{dataset}"},
    }
    report |= {"outcomes": dict.fromkeys(OUTCOMES, 0), "reasons": {}, "examples": {}}
    commits = []
    if hashes and delta.exists(spark, path):
        stored = delta.read(spark, path).where(F.col(c.SOURCE_HASH).isin(hashes))
        stored = stored.groupBy(F.col(c.RUN_ID).alias("run_id"), F.col(c.SOURCE_FILE).alias("ingested_as"))
        log = delta.commit_log(spark, path).select(
            "version", F.col("timestamp").alias("committed_at"), "run_id"
        )
        commits = _collect(
            stored.agg(F.count("*").alias("rows")).join(log, on="run_id", how="left").orderBy("version")
        )
    report["bronze"] |= {"rows": sum(x["rows"] for x in commits), "commits": commits}
    if not commits:
        return report
    versions = {x["run_id"]: x["version"] for x in commits if x["version"] is not None}
    traced = _outcomes(spark, warehouse, dataset, hashes, versions).persist()
    try:
        report["outcomes"].update({r[0]: r[1] for r in traced.groupBy("outcome").count().collect()})
        exploded = traced.select("outcome", F.explode("reasons").alias("reason"))
        for r in exploded.groupBy("outcome", "reason").count().orderBy("outcome", "reason").collect():
            report["reasons"].setdefault(r["outcome"], {})[r["reason"]] = r["count"]
        first = Window.partitionBy("outcome").orderBy("ingested_as", "row_number")
        picked = traced.withColumn("i", F.row_number().over(first)).where(F.col("i") <= examples).drop("i")
        for row in _collect(picked.orderBy("outcome", "ingested_as", "row_number")):
            report["examples"].setdefault(row.pop("outcome"), []).append(row)
    finally:
        traced.unpersist()
    return report


COMMIT = "{version:>7}  {timestamp:<24}  {operation:<20}{rows_added:>11}  {run_id}"
HEADER = {"version": "version", "timestamp": "time", "operation": "operation", "rows_added": "rows added"}


def render(kind: str, result) -> str:
    """Readable text of a history, a snapshot or a trace."""
    if kind == "history":
        rows = [HEADER | {"run_id": "run id"}] + [
            {k: "" if v is None else v for k, v in x.items()} for x in result
        ]
        return "\n".join(COMMIT.format(**row) for row in rows)
    if kind == "snapshot":
        lines = [
            f"{result['table']} as of version {result['version']} ({result['timestamp']}): {result['rows']:,}"
            " rows"
        ] + [f"  run {run}: {n:,} rows" for run, n in sorted(result["rows_by_run"].items(), key=str)]
        return "\n".join(lines + [f"  {json.dumps(row)}" for row in result["sample"]])
    lines = [f"{result['file']} ({result['dataset']})"]
    lines += [
        f"  ledger {e['recorded_at']}: run {e['run_id']} {e['action']} {e['reason'] or ''}".rstrip()
        for e in result["ledger"]
    ]
    lines += [
        f"  {result['bronze']['table']} version {x['version']} (run {x['run_id']}): {x['rows']:,} rows"
        f" as {x['ingested_as']}"
        for x in result["bronze"]["commits"]
    ]
    for outcome, n in result["outcomes"].items():
        reasons = ", ".join(f"{r}={k:,}" for r, k in result["reasons"].get(outcome, {}).items())
        lines.append(f"  {outcome:<12}{n:>8,}  {reasons}".rstrip())
        lines += [
            f"    row {x['row_number']}: {json.dumps(x['values'])}"
            for x in result["examples"].get(outcome, [])
        ]
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("table", nargs="?", help="<layer>.<table>, e.g. bronze.orders")
    parser.add_argument("--file", help="trace a raw file by its path relative to the raw root")
    parser.add_argument(
        "--conservation",
        action="store_true",
        help="prove each bronze row is in exactly one place and each file where it belongs (exit 1 if not)",
    )
    parser.add_argument("--raw", help="with --conservation: the raw root, to check each file's place too")
    parser.add_argument("--archive", help="with --raw: the archive root (default: archived beside raw)")
    parser.add_argument(
        "--quarantine", help="with --raw: the quarantine root (default: quarantine beside raw)"
    )
    parser.add_argument("--warehouse", default="var/demo/warehouse", help="root of the Delta tables")
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--version", type=int, help="the table as of this Delta version")
    when.add_argument("--as-of", help="the table as of this instant (ISO 8601, UTC by default)")
    parser.add_argument(
        "--sample", type=int, default=5, help="rows shown (with --file: examples per outcome)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    """`lakehouse audit`: history by default, a snapshot with --version/--as-of, a trace with --file."""
    chosen = bool(args.table) + bool(args.file) + args.conservation
    timed = args.version is not None or args.as_of
    if chosen != 1 or (timed and not args.table) or (args.raw and not args.conservation):
        print(
            "lakehouse audit: give <layer>.<table> [--version N | --as-of T], --file PATH, or --conservation"
            " [--raw PATH]",
            file=sys.stderr,
        )
        return 2
    spark = get_spark("lakehouse-audit")
    try:
        if args.conservation:
            report = conservation.conservation(spark, args.warehouse, args.raw, args.archive, args.quarantine)
            print(json.dumps(report) if args.json else conservation.render(report))
            return 0 if report["ok"] else 1
        if args.file:
            kind, result = "trace", trace_file(spark, args.warehouse, args.file, args.sample)
        elif args.version is None and args.as_of is None:
            kind, result = "history", history(spark, args.warehouse, args.table)
        else:
            kind = "snapshot"
            result = snapshot(spark, args.warehouse, args.table, args.version, args.as_of, args.sample)
    except (ValueError, PySparkException, Py4JJavaError) as error:  # e.g. a version whose files were vacuumed
        message = error.java_exception.toString() if isinstance(error, Py4JJavaError) else str(error)
        print(f"lakehouse audit: {message.splitlines()[0]}", file=sys.stderr)
        return 2
    print(json.dumps(result) if args.json else render(kind, result))
    return 0
