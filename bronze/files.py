"""Raw file discovery and the file-level decisions of bronze (pure Python over file metadata).

Each raw file is described by its path, size, sha-256 and header line (computed by Spark, see
bronze.ingest.describe_files). From that alone we decide, per file: ingest it, skip it (its exact
content was already ingested) or reject it (see `plan_file`). No row data is read here.

A raw key is trusted only when it names a file inside its dataset folder: Hadoop resolves `..`
and `//` in a path, so a key like `raw/orders/../../warehouse/x.csv` would read (and a move
would take) an object of another zone. Such a file is never read nor moved (UNSAFE_PATH).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field

from shared.contract import (
    EMPTY_FILE,
    FIELD_NAMES,
    INGEST,
    MISSING_COLUMNS,
    MIXED_LINE_ENDINGS,
    NOT_CSV,
    REJECT,
    SKIP,
    UNBALANCED_QUOTES,
    UNKNOWN_DATASET,
    UNREADABLE_FILE,
    UNSAFE_PATH,
)


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
    quotes_balanced: bool = True  # False when the file holds an odd number of double quotes
    # False when the first line ends in CRLF and a later one, outside quotes, in LF alone: Spark's
    # reader takes the first line's separator for the whole file, so those lines would merge.
    line_endings_consistent: bool = True


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

    @property
    def movable(self) -> bool:
        """Whether the file may be moved to the archive or quarantine (an unsafe path may not)."""
        return self.reason != UNSAFE_PATH


def confined(file: str, dataset: str | None = None) -> bool:
    """True when `file` (relative to the raw root) is a plain relative path: no empty, `.` or `..`
    segment, no backslash or control character, and (given a dataset) inside its folder."""
    parts = file.split("/")
    plain = all(part not in ("", ".", "..") for part in parts) and not any(
        ch == "\\" or ord(ch) < 32 or ord(ch) == 127 for ch in file
    )
    return plain and (dataset is None or (len(parts) > 1 and parts[0] == dataset))


def relative_to(root: str, path: str) -> str | None:
    """`path` relative to the folder `root`, or None when it is not under it."""
    return path[len(root) + 1 :] if path.startswith(root + "/") else None


def parse_header(line: str) -> list[str]:
    """Header names, trimmed and lower-cased (the contract matches them case-insensitively)."""
    return [name.strip().lower() for name in next(csv.reader([line]))]


def plan_file(dataset: str, raw: RawFile, seen_hashes: set[str]) -> FilePlan:
    """The first check that fails decides: unsafe path, not .csv, not UTF-8, no header, missing
    columns, unbalanced quotes, mixed line endings; then skip (content already ingested) or ingest."""
    if not confined(raw.file, dataset):
        return FilePlan(raw, REJECT, UNSAFE_PATH, "the key resolves outside its dataset folder")
    if not raw.file.lower().endswith(".csv"):
        return FilePlan(raw, REJECT, NOT_CSV, "only .csv files are read")
    if not raw.utf8:
        return FilePlan(raw, REJECT, UNREADABLE_FILE, "the file is not valid UTF-8")
    if raw.header is None or not raw.header.strip():
        return FilePlan(raw, REJECT, EMPTY_FILE, "the file has no header line")
    names = parse_header(raw.header)
    missing = [f for f in FIELD_NAMES[dataset] if f not in names]
    if missing:
        return FilePlan(raw, REJECT, MISSING_COLUMNS, "missing columns: " + ", ".join(missing))
    if not raw.quotes_balanced:
        detail = "odd number of double quotes: a quoted field is never closed"
        return FilePlan(raw, REJECT, UNBALANCED_QUOTES, detail)
    if not raw.line_endings_consistent:
        detail = "the first line ends in CRLF, a later one in LF alone (outside quotes)"
        return FilePlan(raw, REJECT, MIXED_LINE_ENDINGS, detail)
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


def plan_strays(files: list[RawFile]) -> list[FilePlan]:
    """Files under the raw root but outside every dataset folder (`lakehouse run` lists the root)."""
    plans = []
    for raw in sorted(files, key=lambda f: f.file):
        if confined(raw.file):
            plans.append(FilePlan(raw, REJECT, UNKNOWN_DATASET, "not in a dataset folder"))
        else:
            plans.append(FilePlan(raw, REJECT, UNSAFE_PATH, "the key resolves outside the raw root"))
    return plans


def group_by_layout(plans: list[FilePlan]) -> dict[tuple[int, tuple[int, ...]], list[FilePlan]]:
    """Ingested files that share a header layout can be read by one CSV scan."""
    groups: dict[tuple[int, tuple[int, ...]], list[FilePlan]] = {}
    for plan in plans:
        if plan.action == INGEST:
            groups.setdefault((plan.width, plan.positions), []).append(plan)
    return groups
