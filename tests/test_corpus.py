"""The bad-input corpus (tests/corpus.py) in one drop: each broken file or row gets its documented
outcome, the good files of the drop go through, every file ends in the archive or the quarantine
with its reason, and the conservation audit holds."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from pyspark.sql import functions as F

from lakehouse import conservation
from shared import delta
from shared.contract import DATASETS
from tests import corpus
from tests.drops import write_drop
from tests.test_pipeline import lakehouse_run


def fates_by_file(spark, warehouse) -> tuple[dict, dict]:
    """{file: Counter(fate)} and {file: Counter(reason of its rejected rows)}."""
    rows = delta.union_all([conservation.row_fates(spark, warehouse, d) for d in DATASETS]).persist()
    fates, reasons = {}, {}
    for r in rows.groupBy("file", "fate").count().collect():
        fates.setdefault(r["file"], Counter())[r["fate"]] = r["count"]
    rejected = rows.where(F.col("fate") == "rejected").select("file", F.explode("reasons").alias("reason"))
    for r in rejected.groupBy("file", "reason").count().collect():
        reasons.setdefault(r["file"], Counter())[r["reason"]] = r["count"]
    rows.unpersist()
    return fates, reasons


def test_every_case_gets_its_documented_outcome(spark, tmp_path):
    raw, warehouse = tmp_path / "raw", str(tmp_path / "warehouse")
    write_drop(raw, corpus.drop())
    summary = lakehouse_run(raw, warehouse)

    rejected = {f["file"]: f["reason"] for f in summary["files_rejected"]}
    assert rejected == {case.path: case.file_reason for case in corpus.CASES if case.file_reason}
    for path, reason in rejected.items():
        note = json.loads((tmp_path / "quarantine" / f"{path}.reason.json").read_text())
        assert (tmp_path / "quarantine" / path).is_file() and note["reason"] == reason, path

    fates, reasons = fates_by_file(spark, warehouse)
    for case in corpus.CASES:
        if case.file_reason or case.skipped:
            assert case.path not in fates, case.kind
            continue
        want = {"silver": case.silver, "rejected": case.rejected, "duplicate": case.duplicate}
        want["pending"] = case.pending
        assert fates.get(case.path, Counter()) == Counter({k: v for k, v in want.items() if v}), case.kind
        assert reasons.get(case.path, Counter()) == Counter(case.reasons), case.kind

    products = summary["datasets"]["products"]
    assert products["files_skipped"] == sum(case.skipped for case in corpus.CASES)
    warned = Counter(case.path.split("/")[0] for case in corpus.CASES if case.warning)
    for dataset, n in warned.items():
        assert summary["datasets"][dataset]["warnings"]["EXTRA_COLUMNS"] == n
    for case in corpus.CASES:  # the good files (and the skipped copy) went through to the archive
        if not case.file_reason:
            assert (tmp_path / "archived" / case.path).is_file(), case.kind
    assert not [p for p in raw.rglob("*") if p.is_file()], "nothing is left in the raw zone"

    report = conservation.conservation(spark, warehouse, str(raw))
    assert report["ok"], report["violations"]
    assert report["files"]["missing"] == []
    assert len(corpus.CASES) >= 25


def test_the_readme_documents_every_case():
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    table = readme.split("## Bad input and what happens", 1)[1].split("\n## ", 1)[0]
    documented = {line.split("|")[1].strip() for line in table.splitlines() if line.startswith("| ")}
    assert {case.kind for case in corpus.CASES} <= documented
