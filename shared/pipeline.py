"""One pipeline run on one Spark session: bronze -> silver -> gold, then file housekeeping.

Raw files are moved only after every layer succeeded: an ingested (or already-ingested) file goes
to the archive, a file-level reject (a file outside every dataset folder too) to the quarantine
folder with a `.reason.json` beside it; a file whose path is unsafe stays where it is. A
failed run moves nothing, so the next run picks the same files up again (bronze skips what it
already holds, silver resumes from its watermark)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import posixpath
import time
from collections import Counter
from collections.abc import Callable

from pyspark.sql import SparkSession

from bronze.files import INGEST, REJECT, SKIP, plan_strays
from bronze.ingest import BronzeResult, describe_strays, ingest_dataset
from gold.step import run_gold
from shared import delta, storage
from shared.contract import DATASETS, DEFAULT_GRACE_DAYS, EXTRA_COLUMNS
from shared.warehouse import all_tables, new_run_id, table_path, utc_now
from silver.step import run_silver

log = logging.getLogger("lakehouse")


def default_sibling(raw_root: str, name: str) -> str:
    """`archived` or `quarantine` beside the raw folder."""
    return posixpath.join(posixpath.dirname(raw_root.rstrip("/")) or ".", name)


def move_files(spark: SparkSession, target_root: str, plans, run_id: str, reasons: bool) -> int:
    """Move each planned file to the same relative path under target_root (with a .reason.json
    beside it for rejects)."""
    root = storage.qualify(spark, target_root)
    moved = 0
    for plan in plans:
        dst = storage.move(spark, plan.raw.uri, f"{root}/{plan.raw.file}", suffix=run_id)
        if dst is None:
            log.warning("%s was moved by another run already", plan.raw.file)
            continue
        moved += 1
        log.debug("moved %s to %s", plan.raw.file, dst)
        if reasons:
            storage.write_json(
                spark,
                f"{dst}.reason.json",
                {"file": plan.raw.file, "reason": plan.reason, "detail": plan.detail, "run_id": run_id},
            )
    return moved


def table_counts(spark: SparkSession, warehouse: str) -> dict[str, int]:
    # count() on a Delta table is answered from the log's file statistics.
    return {
        f"{layer}.{table}": delta.read(spark, table_path(warehouse, layer, table)).count()
        for layer, table in all_tables()
        if delta.exists(spark, table_path(warehouse, layer, table))
    }


def dataset_summary(bronze: BronzeResult, silver_stats) -> dict:
    plans = bronze.plans
    stats = vars(silver_stats).copy()
    extra = sum(1 for p in plans if p.action == INGEST and p.extra_columns)
    if extra:
        stats["warnings"] = {**stats["warnings"], EXTRA_COLUMNS: extra}
    return {
        "files": sum(1 for p in plans if p.action == INGEST),
        "files_skipped": sum(1 for p in plans if p.action == SKIP),
        **stats,
    }


@contextlib.contextmanager
def phase(summary: dict, name: str):
    """Log the start of a phase and add its wall-clock seconds to summary["seconds"][name]."""
    log.info("run %s: %s", summary["run_id"], name)
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds = summary["seconds"]
        seconds[name] = round(seconds.get(name, 0.0) + time.perf_counter() - start, 3)


def run_pipeline(
    spark: SparkSession,
    raw_root: str,
    warehouse: str,
    archive: str | None = None,
    quarantine: str | None = None,
    run_ts: dt.datetime | None = None,
    grace_days: int = DEFAULT_GRACE_DAYS,
    register: Callable[[SparkSession, str], list[dict]] | None = None,
) -> dict:
    """Run every layer; `register(spark, warehouse)` then publishes the tables to a catalog
    (shared.catalog), before any raw file moves, so a failure there leaves the run repeatable."""
    run_ts = run_ts or utc_now()
    run_id = new_run_id(run_ts)
    summary: dict = {
        "run_id": run_id,
        "status": "FAILED",
        "datasets": {},
        "files_rejected": [],
        "archived": 0,
        "seconds": {},
    }
    try:
        bronze = {}
        for dataset in DATASETS:
            with phase(summary, f"bronze {dataset}"):
                bronze[dataset] = ingest_dataset(spark, raw_root, warehouse, dataset, run_id, run_ts)
        with phase(summary, "silver"):
            silver = run_silver(spark, warehouse, run_id, run_ts, grace_days)
        with phase(summary, "gold"):
            run_gold(spark, warehouse, run_id, run_ts)
        if register is not None:
            with phase(summary, "catalog"):
                entries = register(spark, warehouse)
            summary["catalog"] = dict(Counter(entry["action"] for entry in entries))
        summary["datasets"] = {d: dataset_summary(bronze[d], silver[d]) for d in DATASETS}
        plans = [(d, p) for d in DATASETS for p in bronze[d].plans]
        plans += [(None, p) for p in plan_strays(describe_strays(spark, raw_root))]
        rejects = [p for _, p in plans if p.action == REJECT and p.movable]
        done = [p for _, p in plans if p.action in (INGEST, SKIP)]
        summary["files_rejected"] = [
            {"dataset": d, "file": p.raw.file, "reason": p.reason} for d, p in plans if p.action == REJECT
        ]
        with phase(summary, "archive"):
            move_files(spark, quarantine or default_sibling(raw_root, "quarantine"), rejects, run_id, True)
            summary["archived"] = move_files(
                spark, archive or default_sibling(raw_root, "archived"), done, run_id, False
            )
        summary["status"] = "SUCCEEDED"
        log.info("run %s: succeeded", run_id)
    except Exception as error:  # the run reports its failure; the caller sets the exit status
        log.exception("run %s failed", run_id)
        summary["error"] = f"{type(error).__name__}: {error}"
    summary["tables"] = table_counts(spark, warehouse)
    return summary
