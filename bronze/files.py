"""Raw file discovery and the file-level decisions of bronze (pure Python over file metadata).

Each raw file is described by its path, size, sha-256 and header line (computed by Spark, see
bronze.ingest.describe_files). From that alone we decide, per file: ingest it, skip it (its exact
content was already ingested) or reject it (EMPTY_FILE, MISSING_COLUMNS). No row data is read here.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field

from shared.contract import EMPTY_FILE, FIELD_NAMES, MISSING_COLUMNS, UNREADABLE_FILE

INGEST, SKIP, REJECT = "ingest", "skip", "reject"


@dataclass(frozen=True)
class RawFile:
    uri: str  # the path Spark reads
    encoded_uri: str  # the same file as input_file_name() reports it
    file: str  # relative to the raw root
    size: int
    hash: str
    header: str | None  # first non-blank line, BOM removed; None when the file has none
    already_ingested: bool = False
    utf8: bool = True  # False when the bytes are not valid UTF-8


@dataclass(frozen=True)
class FilePlan:
    raw: RawFile
    action: str
    reason: str | None = None
    detail: str = ""
    # Position of each contract field in the file's header (contract order); None unless ingested.
    positions: tuple[int, ...] | None = None
    width: int = 0  # number of header columns
    extra_columns: tuple[str, ...] = field(default_factory=tuple)


def parse_header(line: str) -> list[str]:
    """Header names, trimmed and lower-cased (the contract matches them case-insensitively)."""
    return [name.strip().lower() for name in next(csv.reader([line]))]


def plan_file(dataset: str, raw: RawFile, seen_hashes: set[str]) -> FilePlan:
    if not raw.utf8:
        return FilePlan(raw, REJECT, UNREADABLE_FILE, "the file is not valid UTF-8")
    if raw.header is None or not raw.header.strip():
        return FilePlan(raw, REJECT, EMPTY_FILE, "the file has no header line")
    names = parse_header(raw.header)
    missing = [f for f in FIELD_NAMES[dataset] if f not in names]
    if missing:
        return FilePlan(raw, REJECT, MISSING_COLUMNS, "missing columns: " + ", ".join(missing))
    if raw.already_ingested or raw.hash in seen_hashes:
        return FilePlan(raw, SKIP, detail="content already ingested")
    positions = tuple(names.index(f) for f in FIELD_NAMES[dataset])
    # Extra: names outside the contract, and repeats (the first occurrence of a name is used).
    extra = tuple(n for i, n in enumerate(names) if n not in FIELD_NAMES[dataset] or names.index(n) != i)
    return FilePlan(raw, INGEST, positions=positions, width=len(names), extra_columns=extra)


def plan_files(dataset: str, files: list[RawFile]) -> list[FilePlan]:
    """Plans in relative-path order; of several files with the same content only the first is
    ingested, so a re-sent copy under another name is skipped, never ingested twice."""
    seen: set[str] = set()
    plans = []
    for raw in sorted(files, key=lambda f: f.file):
        plan = plan_file(dataset, raw, seen)
        if plan.action == INGEST:
            seen.add(raw.hash)
        plans.append(plan)
    return plans


def group_by_layout(plans: list[FilePlan]) -> dict[tuple[int, tuple[int, ...]], list[FilePlan]]:
    """Ingested files that share a header layout can be read by one CSV scan."""
    groups: dict[tuple[int, tuple[int, ...]], list[FilePlan]] = {}
    for plan in plans:
        if plan.action == INGEST:
            groups.setdefault((plan.width, plan.positions), []).append(plan)
    return groups
