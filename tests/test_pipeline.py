"""End to end: `lakehouse run --json` on a generated drop with every defect class, checked against
the generator's manifest and the independent reference implementation (tests/reference.py).

Three runs on one warehouse: the drop, the same files again (nothing may change), then a drop with
the late parents of the pending items (they must be re-admitted)."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import shutil
from decimal import Decimal

import pytest

from lakehouse import conservation
from lakehouse.cli import main
from lakehouse.generate.drop import generate
from shared import delta
from shared.contract import DATASETS, DATE, DECIMAL, FIELDS, GOLD, PRIMARY_KEY, SILVER, TIMESTAMP
from shared.warehouse import all_tables, table_path
from tests.reference import ReferenceLakehouse

AS_OF = "2026-11-26T00:00:00Z"
RUN_TS = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)
COUNTS = ("files", "files_skipped", "rows_read", "accepted", "rejected", "duplicates", "pending")


def lakehouse_run(raw, warehouse) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["run", "--raw", str(raw), "--warehouse", str(warehouse), "--json", "--as-of", AS_OF])
    summary = json.loads(out.getvalue())
    assert code == 0, summary.get("error")
    return summary


def versions(spark, warehouse) -> dict[str, int]:
    return {
        f"{ly}.{t}": delta.latest_version(spark, table_path(str(warehouse), ly, t)) for ly, t in all_tables()
    }


def refill(src, raw):
    """Put files back into the raw zone, as a producer re-sending them would."""
    shutil.copytree(src, raw, dirs_exist_ok=True)


@pytest.fixture(scope="module")
def e2e(spark, tmp_path_factory):
    base = tmp_path_factory.mktemp("e2e")
    raw, late, warehouse = base / "raw", base / "late", base / "warehouse"
    manifest = generate(raw, orders=400, days=3, seed=11, defects=0.05, late_orders_out=late)
    pristine = base / "pristine"
    shutil.copytree(raw, pristine)
    reference = ReferenceLakehouse()
    state = {"base": base, "raw": raw, "warehouse": warehouse, "manifest": manifest, "reference": reference}

    state["expected_first"] = reference.run(pristine, RUN_TS)
    state["first"] = lakehouse_run(raw, warehouse)
    state["versions_first"] = versions(spark, warehouse)

    refill(pristine, raw)  # the very same files again
    state["expected_again"] = reference.run(pristine, RUN_TS)
    state["again"] = lakehouse_run(raw, warehouse)
    state["versions_again"] = versions(spark, warehouse)

    refill(late, raw)  # the parents of the pending items arrive
    state["expected_late"] = reference.run(late, RUN_TS)
    state["late"] = lakehouse_run(raw, warehouse)
    state["conservation"] = conservation.conservation(spark, str(warehouse), str(raw))
    return state


def assert_counts_equal(got: dict, expected: dict, keys) -> None:
    for dataset in DATASETS:
        for key in keys:
            assert got["datasets"][dataset][key] == expected["datasets"][dataset][key], (dataset, key)


def test_first_run_counts_equal_the_reference_and_the_manifest(e2e):
    first = e2e["first"]
    assert first["status"] == "SUCCEEDED"
    assert_counts_equal(
        first, e2e["expected_first"], (*COUNTS, "readmitted", "rejected_by_reason", "warnings")
    )
    assert_counts_equal(first, e2e["manifest"], (*COUNTS, "rejected_by_reason", "warnings"))
    files_rejected = sorted(first["files_rejected"], key=lambda f: f["file"])
    assert files_rejected == sorted(e2e["expected_first"]["files_rejected"], key=lambda f: f["file"])


def test_every_row_is_accounted_for(e2e):
    for dataset in DATASETS:
        s = e2e["first"]["datasets"][dataset]
        assert s["rows_read"] == s["accepted"] + s["rejected"] + s["duplicates"] + s["pending"], dataset
        assert s["rows_read"] > 0 and s["rejected"] > 0, dataset
    assert e2e["first"]["tables"]["silver.quarantine"] > 0


def test_files_are_archived_or_quarantined_with_their_reason(e2e):
    first, base = e2e["first"], e2e["base"]
    moved = sum(first["datasets"][d]["files"] + first["datasets"][d]["files_skipped"] for d in DATASETS)
    assert first["archived"] == moved
    assert first["files_rejected"], "the drop has file-level problems"
    for reject in first["files_rejected"]:
        target = base / "quarantine" / reject["file"]
        assert target.exists()
        assert (
            json.loads(target.with_name(target.name + ".reason.json").read_text())["reason"]
            == reject["reason"]
        )


def silver_rows(spark, warehouse, dataset) -> dict:
    """Silver as {key: {field: value}}, typed values normalised like the reference's."""
    fields = FIELDS[dataset]
    df = delta.read(spark, table_path(str(warehouse), SILVER, dataset))
    # Timestamps as UTC text: collecting TimestampType would apply the Python process's time zone.
    cols = [
        f"date_format({f.name}, 'yyyy-MM-dd HH:mm:ss.SSSSSS') AS {f.name}" if f.type == TIMESTAMP else f.name
        for f in fields
    ]
    return {row[PRIMARY_KEY[dataset]]: row.asDict() for row in df.selectExpr(*cols).collect()}


def normalised(reference_row: dict, dataset: str) -> dict:
    out = {}
    for f in FIELDS[dataset]:
        value = reference_row[f.name]
        if f.type == TIMESTAMP:
            value = value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        elif f.type == DECIMAL:
            value = Decimal(value).quantize(Decimal("0.01"))
        elif f.type == DATE:
            value = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
        out[f.name] = value
    return out


def test_silver_equals_the_reference_with_unique_keys(spark, e2e):
    for dataset in DATASETS:
        table = delta.read(spark, table_path(str(e2e["warehouse"]), SILVER, dataset))
        assert table.count() == table.select(PRIMARY_KEY[dataset]).distinct().count(), dataset
        got = silver_rows(spark, e2e["warehouse"], dataset)
        want = {k: normalised(v, dataset) for k, v in e2e["reference"].silver[dataset].items()}
        assert got == want, dataset


def test_gold_equals_the_reference(spark, e2e):
    gold = delta.read(spark, table_path(str(e2e["warehouse"]), GOLD, "daily_sales")).orderBy("date").collect()
    want = e2e["reference"].gold_daily_sales()
    assert [r["date"] for r in gold] == [w["date"] for w in want]
    for row, ref in zip(gold, want, strict=True):
        for key in ("orders", "customers", "items"):
            assert row[key] == ref[key], (row["date"], key)
        for key in ("revenue", "avg_order_value", "reorder_rate"):
            if ref[key] is None:
                assert row[key] is None
            else:
                assert abs(float(row[key]) - float(ref[key])) <= 0.01, (row["date"], key)
    departments = delta.read(spark, table_path(str(e2e["warehouse"]), GOLD, "department_daily_sales"))
    got = {(r["date"], r["department"]): (r["items"], r["orders"]) for r in departments.collect()}
    want = {
        (r["date"], r["department"]): (r["items"], r["orders"])
        for r in e2e["reference"].gold_department_daily_sales()
    }
    assert got == want


def test_rerunning_the_same_files_changes_no_table(e2e):
    again = e2e["again"]
    assert_counts_equal(again, e2e["expected_again"], (*COUNTS, "rejected_by_reason"))
    for dataset in DATASETS:
        assert again["datasets"][dataset]["files"] == 0
        assert again["datasets"][dataset]["rows_read"] == 0
    assert e2e["versions_again"] == e2e["versions_first"]
    assert again["tables"] == e2e["first"]["tables"]
    assert again["catalog"] == {"unchanged": len(again["tables"])}


def test_every_table_is_registered_in_the_catalog(e2e):
    assert e2e["first"]["catalog"] == {"created": len(e2e["first"]["tables"])}
    entries = sorted((e2e["warehouse"] / "_catalog").glob("*.json"))
    assert len(entries) == len(e2e["first"]["tables"])
    for entry in entries:
        table = json.loads(entry.read_text())["TableInput"]
        assert table["Parameters"]["table_type"] == "DELTA"
        assert table["StorageDescriptor"]["Columns"], entry.name


def test_late_parents_readmit_pending_items(e2e):
    late, expected = e2e["late"], e2e["expected_late"]
    pending_before = e2e["first"]["datasets"]["order_items"]["pending"]
    readmitted = late["datasets"]["order_items"]["readmitted"]
    assert pending_before > 0
    assert (
        readmitted
        == expected["datasets"]["order_items"]["readmitted"]
        == e2e["manifest"]["late"]["readmitted"]
    )
    assert readmitted > 0
    assert_counts_equal(late, expected, (*COUNTS, "readmitted", "rejected_by_reason"))


def test_conservation_holds_after_the_three_runs(e2e):
    report = e2e["conservation"]
    assert report["ok"], report["violations"]
    assert report["files"]["missing"] == [] and report["files"]["in_raw"] == 0
