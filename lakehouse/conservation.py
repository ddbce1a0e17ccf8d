"""`lakehouse audit --conservation`: proof that nothing was lost or duplicated.

Rows: every bronze row is in exactly one place. Silver holds it (it is its key's current row), the
quarantine holds it as rejected (or expired), duplicate or pending, or it is superseded (accepted,
then replaced by a newer row of its key, which silver holds), or silver has not read it yet
(unprocessed: committed after silver's bronze watermark). A row in none of these is lost; a row in
silver and in the active quarantine at once is in two places. Also checked: no (file content, row)
twice in bronze, in silver or in the quarantine, no silver or quarantine row without its bronze row,
and one silver row per key.

Files: every content the ledger records as ingested was ingested once, with as many bronze rows
as the ledger says, and every bronze row's content is in the ledger. With the raw root, every file
the ledger knows is where its last decision sends it: the archive (ingested, skipped), the
quarantine (rejected) or still the raw zone (a run that failed before moving files, or an unsafe
path, which is never moved). Only counts and file names reach the driver.
"""

from __future__ import annotations

import posixpath

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from shared import contract as c
from shared import delta, storage
from shared.contract import INGEST, REJECT
from shared.warehouse import ledger_path, table_path
from silver.tables import silver_mark

FATES = ("silver", "rejected", "duplicate", "superseded", "pending", "unprocessed", "lost", "in_two_places")
ACTIVE = {c.REJECTED: "rejected", c.EXPIRED: "rejected", c.DUPLICATE: "duplicate", c.PENDING: "pending"}


def _key(column: str) -> Column:
    return F.trim(F.col(column)).cast("bigint")


def row_fates(spark: SparkSession, warehouse: str, dataset: str) -> DataFrame:
    """Each bronze row of the dataset with its fate (one of FATES), file and quarantine reasons."""
    key = c.PRIMARY_KEY[dataset]
    rows = delta.read(spark, table_path(warehouse, c.BRONZE, dataset)).select(
        F.col(c.SOURCE_HASH).alias("h"),
        F.col(c.ROW_NUMBER).alias("n"),
        F.col(c.SOURCE_FILE).alias("file"),
        F.col(c.RUN_ID).alias("run"),
        _key(key).alias("k"),
    )
    versions = delta.commit_log(spark, table_path(warehouse, c.BRONZE, dataset)).select(
        F.col("run_id").alias("run"), F.col("version")
    )
    rows = rows.join(F.broadcast(versions.where(F.col("run").isNotNull())), on="run", how="left")
    in_silver, disposition, reasons = (
        F.lit(False),
        F.lit(None).cast("string"),
        F.array().cast("array<string>"),
    )
    keys = None
    path = table_path(warehouse, c.SILVER, dataset)
    if delta.exists(spark, path):
        silver = delta.read(spark, path)
        won = silver.select(
            F.col(c.SOURCE_HASH).alias("h"), F.col(c.ROW_NUMBER).alias("n"), F.lit(1).alias("s")
        )
        rows, in_silver = rows.join(won, on=["h", "n"], how="left"), F.col("s").isNotNull()
        keys = silver.select(F.col(key).alias("k"), F.lit(1).alias("kept")).distinct()
    held = quarantined(spark, warehouse, dataset)
    if held is not None:
        rows, disposition, reasons = (
            rows.join(held, on=["h", "n"], how="left"),
            F.col("disposition"),
            F.col("reasons"),
        )
    kept = F.lit(False)
    if keys is not None:
        rows, kept = rows.join(keys, on="k", how="left"), F.col("kept").isNotNull()
    active = disposition.isin(*ACTIVE)
    fate = F.when(in_silver & active, "in_two_places").when(in_silver, "silver")
    for value, name in ACTIVE.items():
        fate = fate.when(disposition == value, name)
    fate = (
        fate.when(
            F.coalesce(F.col("version"), F.lit(-1)) > silver_mark(spark, warehouse, dataset), "unprocessed"
        )
        .when(kept, "superseded")
        .otherwise("lost")
    )
    return rows.select(fate.alias("fate"), "file", "n", F.coalesce(reasons, F.array()).alias("reasons"))


def _repeats(df: DataFrame, *cols: str) -> int:
    """Rows beyond the first of each value of `cols`."""
    return df.count() - df.select(*cols).distinct().count()


def quarantined(
    spark: SparkSession, warehouse: str, dataset: str, hashes: list[str] | None = None
) -> DataFrame | None:
    """The quarantine's rows of a dataset (of the files with these content hashes), keyed by file
    hash and row number (h, n), with their disposition and reasons; None before any quarantine."""
    path = table_path(warehouse, c.SILVER, c.QUARANTINE)
    if not delta.exists(spark, path):
        return None
    held = delta.read(spark, path).where(F.col("dataset") == dataset)
    if hashes is not None:
        held = held.where(F.col("source_hash").isin(hashes))
    return held.select(
        F.col("source_hash").alias("h"), F.col("row_number").alias("n"), "disposition", "reasons"
    )


def _orphans(df: DataFrame, bronze: DataFrame, h: str, n: str) -> int:
    return (
        df.select(F.col(h).alias("h"), F.col(n).alias("n"))
        .join(bronze, on=["h", "n"], how="left_anti")
        .count()
    )


def row_checks(spark: SparkSession, warehouse: str, dataset: str) -> dict:
    """Fate counts and the duplicate/orphan checks of one dataset (all zero when healthy)."""
    bronze_path = table_path(warehouse, c.BRONZE, dataset)
    result = {"bronze_rows": 0, **dict.fromkeys(FATES, 0)}
    checks = dict.fromkeys(
        (
            "bronze_repeated_rows",
            "silver_repeated_rows",
            "silver_repeated_keys",
            "silver_without_bronze",
            "quarantine_repeated_rows",
            "quarantine_without_bronze",
        ),
        0,
    )
    if not delta.exists(spark, bronze_path):
        return {**result, "checks": checks}
    counts = row_fates(spark, warehouse, dataset).groupBy("fate").count().collect()
    result.update({r["fate"]: r["count"] for r in counts})
    result["bronze_rows"] = sum(r["count"] for r in counts)
    bronze = delta.read(spark, bronze_path).select(
        F.col(c.SOURCE_HASH).alias("h"), F.col(c.ROW_NUMBER).alias("n")
    )
    checks["bronze_repeated_rows"] = _repeats(bronze, "h", "n")
    path = table_path(warehouse, c.SILVER, dataset)
    if delta.exists(spark, path):
        silver = delta.read(spark, path)
        checks["silver_repeated_rows"] = _repeats(silver, c.SOURCE_HASH, c.ROW_NUMBER)
        checks["silver_repeated_keys"] = _repeats(silver, c.PRIMARY_KEY[dataset])
        checks["silver_without_bronze"] = _orphans(silver, bronze, c.SOURCE_HASH, c.ROW_NUMBER)
    path = table_path(warehouse, c.SILVER, c.QUARANTINE)
    if delta.exists(spark, path):
        held = delta.read(spark, path).where(F.col("dataset") == dataset)
        checks["quarantine_repeated_rows"] = _repeats(held, "source_hash", "row_number")
        checks["quarantine_without_bronze"] = _orphans(held, bronze, "source_hash", "row_number")
    return {**result, "checks": checks}


def ledger_checks(spark: SparkSession, warehouse: str) -> dict:
    """Contents ingested more than once, ingested contents whose bronze row count differs from the
    ledger's, and bronze contents the ledger does not know (all zero when healthy)."""
    checks = dict.fromkeys(("contents_ingested_twice", "row_count_mismatches", "bronze_contents_unknown"), 0)
    if not delta.exists(spark, ledger_path(warehouse)):
        return checks
    ledger = delta.read(spark, ledger_path(warehouse))
    ingested = ledger.where(F.col("action") == INGEST)
    # A header-only file adds no row: recording it twice loses or duplicates nothing.
    with_rows = ingested.where(F.coalesce(F.col("rows"), F.lit(1)) > 0)
    checks["contents_ingested_twice"] = _repeats(with_rows, "dataset", "hash")
    recorded = ingested.groupBy("dataset", "hash").agg(F.sum("rows").alias("rows"))
    for dataset in c.DATASETS:
        path = table_path(warehouse, c.BRONZE, dataset)
        if not delta.exists(spark, path):
            continue
        held = delta.read(spark, path).groupBy(F.col(c.SOURCE_HASH).alias("hash")).count()
        mine = recorded.where(F.col("dataset") == dataset)
        checks["bronze_contents_unknown"] += held.join(mine, on="hash", how="left_anti").count()
        compared = mine.join(held, on="hash", how="left")
        checks["row_count_mismatches"] += compared.where(
            F.col("rows").isNotNull() & (F.col("rows") != F.coalesce(F.col("count"), F.lit(0)))
        ).count()
    return checks


def _names(spark: SparkSession, root: str) -> set[str]:
    qualified = storage.qualify(spark, root)
    return {path[len(qualified) + 1 :] for path, _, _ in storage.list_files(spark, qualified, "")}


def file_places(spark: SparkSession, warehouse: str, raw: str, archive: str, quarantine: str) -> dict:
    """Where each file of the ledger is (archived, quarantined, in_raw, or missing), and the
    archived or quarantined files no ledger decision sent there (moved before their commit)."""
    path = ledger_path(warehouse)
    places: dict = {"archived": 0, "quarantined": 0, "in_raw": 0, "missing": [], "unexplained": []}
    ledger = delta.read(spark, path) if delta.exists(spark, path) else None
    if ledger is None:
        return places
    last = Window.partitionBy("dataset", "file").orderBy(F.desc("recorded_at"), F.desc("run_id"))
    files = ledger.withColumn("runs", F.collect_set("run_id").over(Window.partitionBy("dataset", "file")))
    files = files.withColumn("i", F.row_number().over(last)).where(F.col("i") == 1)
    in_raw, archived, quarantined = _names(spark, raw), _names(spark, archive), _names(spark, quarantine)
    explained: dict[str, set[str]] = {"archive": set(), "quarantine": set()}
    for row in files.select("file", "action", "reason", "runs").collect():  # one row per file name
        names = {row.file} | {f"{row.file}.{r}" for r in row.runs}
        names |= {posixpath.join(r, row.file) for r in row.runs}
        explained["quarantine" if row.action == REJECT else "archive"] |= names
        if row.file in in_raw:
            places["in_raw"] += 1
        elif row.action == REJECT and row.reason != c.UNSAFE_PATH and names & quarantined:
            places["quarantined"] += 1
        elif row.action != REJECT and names & archived:
            places["archived"] += 1
        else:
            places["missing"].append(row.file)
    places["unexplained"] = sorted(archived - explained["archive"]) + sorted(
        name
        for name in quarantined - explained["quarantine"]
        if not name.endswith(".reason.json") and name.split("/")[0] in c.DATASETS
    )
    return places


def conservation(
    spark: SparkSession,
    warehouse: str,
    raw: str | None = None,
    archive: str | None = None,
    quarantine: str | None = None,
) -> dict:
    """The whole audit: per-dataset fates and checks, ledger checks, file places, and `ok`."""

    report: dict = {"datasets": {d: row_checks(spark, warehouse, d) for d in c.DATASETS}}
    report["ledger"] = ledger_checks(spark, warehouse)
    if raw is not None:
        report["files"] = file_places(
            spark,
            warehouse,
            raw,
            archive or storage.default_sibling(raw, "archived"),
            quarantine or storage.default_sibling(raw, "quarantine"),
        )
    violations = []
    for dataset, found in report["datasets"].items():
        for name in ("lost", "in_two_places"):
            if found[name]:
                violations.append(f"{dataset}: {found[name]:,} bronze rows {name.replace('_', ' ')}")
        violations += [f"{dataset}: {name} = {n:,}" for name, n in found["checks"].items() if n]
    violations += [f"ledger: {name} = {n:,}" for name, n in report["ledger"].items() if n]
    files = report.get("files", {})
    violations += [f"file missing from raw, archive and quarantine: {f}" for f in files.get("missing", [])]
    violations += [f"moved without a ledger decision: {f}" for f in files.get("unexplained", [])]
    return {**report, "violations": violations, "ok": not violations}


def render(report: dict) -> str:
    lines = [f"conservation: {'OK' if report['ok'] else 'VIOLATED'}"]
    lines.append(f"  {'dataset':<12}{'bronze':>10}" + "".join(f"{f:>14}" for f in FATES))
    for dataset, found in report["datasets"].items():
        lines.append(
            f"  {dataset:<12}{found['bronze_rows']:>10,}" + "".join(f"{found[f]:>14,}" for f in FATES)
        )
    if "files" in report:
        files = report["files"]
        lines.append(
            f"  files: {files['archived']:,} archived, {files['quarantined']:,} quarantined, "
            f"{files['in_raw']:,} in raw, {len(files['missing']):,} missing"
        )
    lines += [f"  violation: {v}" for v in report["violations"]]
    return "\n".join(lines)
