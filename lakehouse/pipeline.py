"""One pipeline run on one Spark session: bronze -> silver -> gold, then file housekeeping.

Raw files are moved only after every layer succeeded: an ingested (or already-ingested) file goes
to the archive, a file-level reject (a file outside every dataset folder too) to the quarantine
folder with a `.reason.json` beside it; a file whose path is unsafe stays where it is. A
failed run moves nothing, so the next run picks the same files up again (bronze skips what it
already holds, silver resumes from its watermark)."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from pyspark.sql import SparkSession

from bronze.files import plan_strays
from bronze.ingest import BronzeResult, describe_strays, ingest_dataset
from gold.step import run_gold
from lakehouse.report.build import report_uri
from lakehouse.report.build import write_report as write
from shared import delta, storage
from shared.contract import DATASETS, DEFAULT_GRACE_DAYS, EXTRA_COLUMNS, INGEST, REJECT, RUN_COUNTS, SKIP
from shared.warehouse import new_run_id, utc_now
from silver.step import run_silver

log = logging.getLogger("lakehouse")


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


@dataclass
class RunSummary:
    """What one run did, filled in as it goes; `as_dict()` is what `lakehouse run --json` prints
    and the run report reads (catalog, error and report appear only when they apply)."""

    run_id: str
    status: str = "FAILED"
    datasets: dict[str, dict] = field(default_factory=dict)
    files_rejected: list[dict] = field(default_factory=list)
    archived: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    catalog: dict[str, int] | None = None
    error: str | None = None
    tables: dict[str, int] = field(default_factory=dict)
    report: str | None = None

    def as_dict(self) -> dict:
        optional = ("catalog", "error", "report")
        return {k: v for k, v in asdict(self).items() if k not in optional or v is not None}


# Told of each phase as it starts (seconds None) and as it ends (its seconds): the CLI's progress.
Progress = Callable[[str, float | None], None]


# The Spark jobs a phase starts carry its name (a local property: Spark's event log and UI show it).
PHASE_PROPERTY = "lakehouse.phase"


@contextlib.contextmanager
def phase(
    summary: RunSummary, name: str, progress: Progress | None = None, spark: SparkSession | None = None
):
    """Log the start and end of a phase (layer and dataset or table) and add its wall-clock
    seconds to summary.seconds[name]."""
    layer, _, part = name.partition(" ")
    context = {"run_id": summary.run_id, "layer": layer, "dataset": part or None}
    log.info("run %s: %s", summary.run_id, name, extra=context)
    if progress:
        progress(name, None)
    if spark is not None:
        spark.sparkContext.setLocalProperty(PHASE_PROPERTY, name)
    start = time.perf_counter()
    try:
        yield
    finally:
        took = time.perf_counter() - start
        if spark is not None:
            spark.sparkContext.setLocalProperty(PHASE_PROPERTY, None)
        summary.seconds[name] = round(summary.seconds.get(name, 0.0) + took, 3)
        log.debug("run %s: %s took %.1f s", summary.run_id, name, took, extra={**context, "seconds": took})
        if progress:
            progress(name, round(took, 3))


def write_report(spark: SparkSession, warehouse: str, summary: RunSummary) -> None:
    """The run report (lakehouse.report), whose JSON holds this summary as the run returns it (with
    summary.report, the page's path); its failure is logged, never the run's."""
    summary.report = report_uri(warehouse, summary.run_id)
    try:
        write(spark, warehouse, summary.as_dict())
    except Exception:  # a report is for reading: a broken one must not fail a good run
        summary.report = None
        log.warning("run %s: the run report could not be written", summary.run_id, exc_info=True)


def run_pipeline(
    spark: SparkSession,
    raw_root: str,
    warehouse: str,
    archive: str | None = None,
    quarantine: str | None = None,
    run_ts: dt.datetime | None = None,
    grace_days: int = DEFAULT_GRACE_DAYS,
    register: Callable[[SparkSession, str], list[dict]] | None = None,
    progress: Progress | None = None,
) -> dict:
    """Run every layer; `register(spark, warehouse)` then publishes the tables to a catalog
    (shared.catalog), before any raw file moves, so a failure there leaves the run repeatable.
    Then the run report goes to `<warehouse>/_reports/<run_id>.html` (the summary's "report").
    Returns RunSummary.as_dict()."""
    run_ts = run_ts or utc_now()
    run_id = new_run_id(run_ts)
    summary = RunSummary(run_id)
    try:
        step = functools.partial(phase, summary, progress=progress, spark=spark)
        bronze = {}
        for dataset in DATASETS:
            with step(f"bronze {dataset}"):
                bronze[dataset] = ingest_dataset(spark, raw_root, warehouse, dataset, run_id, run_ts)
        silver = run_silver(spark, warehouse, run_id, run_ts, grace_days, phase=step)
        run_gold(spark, warehouse, run_id, run_ts, phase=step)
        if register is not None:
            with step("catalog"):
                entries = register(spark, warehouse)
            summary.catalog = dict(Counter(entry["action"] for entry in entries))
        summary.datasets = {d: dataset_summary(bronze[d], silver[d]) for d in DATASETS}
        plans = [(d, p) for d in DATASETS for p in bronze[d].plans]
        plans += [(None, p) for p in plan_strays(describe_strays(spark, raw_root))]
        rejects = [p for _, p in plans if p.action == REJECT and p.movable]
        done = [p for _, p in plans if p.action in (INGEST, SKIP)]
        summary.files_rejected = [
            {"dataset": d, "file": p.raw.file, "reason": p.reason} for d, p in plans if p.action == REJECT
        ]
        with step("archive"):
            move_files(
                spark, quarantine or storage.default_sibling(raw_root, "quarantine"), rejects, run_id, True
            )
            summary.archived = move_files(
                spark, archive or storage.default_sibling(raw_root, "archived"), done, run_id, False
            )
        summary.status = "SUCCEEDED"
        log.info("run %s: succeeded", run_id)
    except Exception as error:  # the run reports its failure; the caller sets the exit status
        log.exception("run %s failed", run_id)
        summary.error = f"{type(error).__name__}: {error}"
    summary.tables = delta.table_counts(spark, warehouse)
    for dataset, stats in summary.datasets.items():
        counts = {c: stats[c] for c in RUN_COUNTS}
        log.info(
            "run %s: %s %s", run_id, dataset, counts, extra={"run_id": run_id, "dataset": dataset, **counts}
        )
    write_report(spark, warehouse, summary)
    return summary.as_dict()
