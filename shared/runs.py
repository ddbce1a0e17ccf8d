"""What one orchestrated run leaves for the state machine and the operator, beside the warehouse
under `<warehouse>/_runs/<run_id>/`: each job's report (`<layer>/<name>.json`) and bronze's
archive manifest (`archive/<dataset>/page-NNNNN.json`).

Glue returns nothing but a state to Step Functions, so the files bronze handled are handed over as
data: the manifest lists exactly those files with where each goes, in pages small enough for a
state's payload, and the state machine moves them (copy, verify, delete) only after every layer
succeeded."""

from __future__ import annotations

import posixpath
from urllib.parse import quote, urlparse

from pyspark.sql import SparkSession

from shared import storage
from shared.contract import INGEST, REJECT, SKIP
from shared.warehouse import absolute

RUNS_DIR = "_runs"
ARCHIVED, QUARANTINED = "archived", "quarantine"
# Files per manifest page (about 34 KB of JSON with the generator's names, measured). The Archive
# state reads a page with a Distributed Map's ItemReader, not into its own payload, and runs one
# child execution per file: a page costs the execution a few history events, so fewer, larger pages
# cost fewer. Its ListObjectsV2 of the pages returns at most 1,000 of them (200,000 files of a
# dataset in one run; the rest stay in raw and the next run, which skips what bronze holds, moves them).
PAGE_SIZE = 200


def run_dir(warehouse: str, run_id: str) -> str:
    return f"{absolute(warehouse).rstrip('/')}/{RUNS_DIR}/{run_id}"


def report_path(warehouse: str, run_id: str, layer: str, name: str) -> str:
    return f"{run_dir(warehouse, run_id)}/{layer}/{name}.json"


def file_counts(files: list[dict]) -> dict[str, int]:
    """A bronze job report's `files` ({file, action, reason}) counted as the run summary counts
    them: files ingested, skipped, rejected."""
    actions = [f["action"] for f in files]
    return {
        "files": actions.count(INGEST),
        "files_skipped": actions.count(SKIP),
        "files_rejected": actions.count(REJECT),
    }


def raw_key_prefix(raw_root: str) -> str:
    """The object key prefix of the raw zone: `raw` for s3://bucket/raw."""
    return urlparse(raw_root).path.strip("/")


def moves(plans, raw_root: str, run_id: str) -> list[dict]:
    """{key, source, target, size} for each file bronze decided on: ingested and skipped files go
    to `archived/<run_id>/<file>`, rejected ones to `quarantine/<run_id>/<file>` (keys of the raw
    bucket; the run id keeps a re-sent file from overwriting the one archived before). `source` is
    the key URL-encoded, as S3's CopyObject requires of CopySource (a space, `+`, `%`, `#` or a
    non-ASCII letter sent as is names another key or none); Step Functions cannot encode."""
    prefix = raw_key_prefix(raw_root)
    parent = posixpath.dirname(prefix)
    entries = []
    for plan in plans:
        if plan.action not in (INGEST, SKIP, REJECT) or not plan.movable:
            continue
        zone = QUARANTINED if plan.action == REJECT else ARCHIVED
        key = posixpath.join(prefix, plan.raw.file)
        entries.append(
            {
                "key": key,
                "source": quote(key, safe="/"),
                "target": posixpath.join(parent, zone, run_id, plan.raw.file),
                "size": plan.raw.size,
            }
        )
    return entries


def pages(entries: list[dict], size: int = PAGE_SIZE) -> list[list[dict]]:
    return [entries[start : start + size] for start in range(0, len(entries), size)]


def write_manifest(spark: SparkSession, warehouse: str, raw_root: str, dataset: str, run_id: str, plans):
    """One JSON array per page; no page at all when bronze handled no file."""
    folder = f"{run_dir(warehouse, run_id)}/archive/{dataset}"
    for number, page in enumerate(pages(moves(plans, raw_root, run_id))):
        storage.write_json(spark, f"{folder}/page-{number:05d}.json", page)


def reason_uri(raw_root: str, run_id: str, file: str) -> str:
    """Where a rejected file's `.reason.json` goes: beside the file's place in the quarantine zone
    (`quarantine/<run>/` next to the raw folder; on AWS in the raw bucket)."""
    root = posixpath.dirname(absolute(raw_root).rstrip("/"))
    return f"{posixpath.join(root, QUARANTINED, run_id)}/{file}.reason.json"


def write_reasons(spark: SparkSession, raw_root: str, run_id: str, plans) -> None:
    """A `.reason.json` where each rejected file will land in the quarantine zone."""
    for plan in plans:
        if plan.action == REJECT and plan.movable:
            storage.write_json(
                spark,
                reason_uri(raw_root, run_id, plan.raw.file),
                {"file": plan.raw.file, "reason": plan.reason, "detail": plan.detail, "run_id": run_id},
            )
