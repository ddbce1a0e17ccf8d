"""Writing run reports: `<warehouse>/_reports/<run_id>.html` and `.json` (the gathered facts).

A local run (`lakehouse run`) hands over its summary. An orchestrated run's summary is put
together from what its Glue jobs left under `_runs/<run_id>/` (shared.runs): files from bronze's
reports, row counts from silver's, seconds from each job's."""

from __future__ import annotations

from pathlib import Path

from pyspark.sql import SparkSession

from lakehouse.report import REPORTS_DIR, facts, page
from shared import delta, storage
from shared.contract import BRONZE, DATASETS, GOLD, GOLD_TABLES, REJECT, RUN_COUNTS, SILVER
from shared.errors import UserError
from shared.runs import ARCHIVED, file_counts, report_path, run_dir
from shared.warehouse import absolute

# An orchestrated run whose gold jobs (the last layer) left no report. A dataset without a bronze
# or silver report had no new file in the pass (the state machine skipped its jobs): zeros.
INCOMPLETE = "INCOMPLETE"


def report_uri(warehouse: str, run_id: str, extension: str = "html") -> str:
    return f"{absolute(warehouse).rstrip('/')}/{REPORTS_DIR}/{run_id}.{extension}"


def write_report(spark: SparkSession, warehouse: str, summary: dict) -> str:
    """Gather the facts of the run, write the JSON and the HTML page; the page's URI."""
    gathered = facts.gather(spark, warehouse, summary)
    storage.write_json(spark, report_uri(warehouse, summary["run_id"], "json"), gathered)
    uri = report_uri(warehouse, summary["run_id"])
    storage.write_text(spark, uri, page.render(gathered))
    return uri


def _job_report(spark: SparkSession, warehouse: str, run_id: str, layer: str, name: str) -> dict | None:
    uri = report_path(warehouse, run_id, layer, name)
    return storage.read_json(spark, uri) if storage.exists(spark, uri) else None


def _archived(spark: SparkSession, warehouse: str, run_id: str, dataset: str) -> int:
    """Files of the dataset the run's archive manifest sends to the archive (not the quarantine)."""
    folder = f"{run_dir(warehouse, run_id)}/archive/{dataset}"
    into = f"/{ARCHIVED}/{run_id}/"
    pages = [storage.read_json(spark, uri) for uri, _, _ in storage.list_files(spark, folder, ".json")]
    return sum(1 for moves in pages for move in moves if into in f"/{move['target']}")


def orchestrated_summary(spark: SparkSession, warehouse: str, run_id: str) -> dict:
    """The run summary of one state machine pass, from its jobs' reports. The gold series and the
    freshness beside it (facts.gather) are read when the report is built: for a pass built after
    later passes ran, they show the tables as they are then."""

    summary: dict = {"run_id": run_id, "status": "SUCCEEDED", "datasets": {}, "files_rejected": []}
    seconds, archived = {}, 0
    for dataset in DATASETS:
        bronze = _job_report(spark, warehouse, run_id, BRONZE, dataset)
        silver = _job_report(spark, warehouse, run_id, SILVER, dataset)
        files = (bronze or {}).get("files", [])
        counted = {k: v for k, v in (silver or {}).items() if k != "seconds"}  # silver.step.DatasetStats
        stats = {**dict.fromkeys(RUN_COUNTS, 0), "rejected_by_reason": {}, "warnings": {}, **counted}
        stats.update({k: v for k, v in file_counts(files).items() if k in RUN_COUNTS})
        summary["datasets"][dataset] = stats
        summary["files_rejected"] += [
            {"dataset": dataset, "file": f["file"], "reason": f["reason"]}
            for f in files
            if f["action"] == REJECT
        ]
        for layer, report in ((BRONZE, bronze), (SILVER, silver)):
            if report and "seconds" in report:
                seconds[f"{layer} {dataset}"] = report["seconds"]
        archived += _archived(spark, warehouse, run_id, dataset)
    for table in GOLD_TABLES:
        gold = _job_report(spark, warehouse, run_id, GOLD, table)
        if gold is None:
            summary["status"] = INCOMPLETE
        elif "seconds" in gold:
            seconds[f"gold {table}"] = gold["seconds"]
    ordered = {
        n: seconds[n] for layer in (BRONZE, SILVER, GOLD) for n in seconds if n.startswith(f"{layer} ")
    }
    summary.update(archived=archived, seconds=ordered, tables=delta.table_counts(spark, warehouse))
    return summary


def build_orchestrated(spark: SparkSession, warehouse: str, run_id: str) -> str:
    """Write the report of an orchestrated run (a state machine pass) from its jobs' reports."""
    if not storage.exists(spark, run_dir(warehouse, run_id)):
        raise UserError(f"no run {run_id} under {run_dir(warehouse, '')}")
    return write_report(spark, warehouse, orchestrated_summary(spark, warehouse, run_id))


def find_report(warehouse: str, run_id: str | None, spark: SparkSession | None = None) -> str:
    """The named run's report, else the newest one (run ids begin with their UTC start time).
    A local warehouse is listed directly; a URI through `spark`'s file systems."""
    folder = f"{absolute(warehouse).rstrip('/')}/{REPORTS_DIR}"
    if spark is None:
        found = sorted(str(p) for p in Path(folder).glob("*.html")) if Path(folder).is_dir() else []
    else:
        found = [path for path, _, _ in storage.list_files(spark, folder, ".html")]
    if run_id:
        found = [path for path in found if Path(path).name == f"{run_id}.html"]
    if not found:
        named = f"for run {run_id} " if run_id else ""
        raise UserError(f"no report {named}in {folder}")
    return found[-1]


def copy_out(path: str, folder: str, spark: SparkSession | None = None) -> str:
    """Copy a report's HTML and JSON into a local folder; the local HTML's path."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    for source in (path, path.removesuffix(".html") + ".json"):
        text = storage.read_text(spark, source) if spark is not None else Path(source).read_text("utf-8")
        (target / Path(source).name).write_text(text, encoding="utf-8")
    return str(target / Path(path).name)
