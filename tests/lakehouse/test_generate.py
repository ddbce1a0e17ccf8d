"""The generator: same bytes per seed, the raw zone's layout, and a manifest that adds up."""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from lakehouse.generate import defects as d
from lakehouse.generate.drop import (
    DEFAULTS,
    MANIFEST,
    add_arguments,
    check_field,
    expected_outcome,
    generate,
    main,
    plan_drop,
)
from shared import contract as c

# The sample's header lines, byte for byte.
HEADERS = {
    "products": "product_id,department_id,department,product_name\n",
    "orders": "order_num,order_id,user_id,order_timestamp,total_amount,date\n",
    "order_items": "id,order_id,user_id,days_since_prior_order,product_id,add_to_cart_order,reordered,"
    "order_timestamp,date\n",
}
ROW_REASONS = {
    c.MALFORMED_ROW,
    c.NULL_KEY,
    c.MISSING_VALUE,
    c.BAD_TYPE,
    c.BAD_TIMESTAMP,
    c.OUT_OF_RANGE,
    c.DATE_MISMATCH,
    c.USER_MISMATCH,
}
DIRTY = {"orders": 300, "defects": 0.05, "seed": 7}
DAYS = [f"2025-04-{day:02d}" for day in range(1, 16)]


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("clean") / "raw"
    return root, generate(root, orders=300, seed=7)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory) -> tuple[Path, dict, Path]:
    base = tmp_path_factory.mktemp("dirty")
    manifest = generate(base / "raw", late_orders_out=base / "late", **DIRTY)
    return base / "raw", manifest, base / "late"


def snapshot(*roots: Path) -> dict[str, bytes]:
    return {
        f"{i}/{p.relative_to(r)}": p.read_bytes()
        for i, r in enumerate(roots)
        for p in r.rglob("*")
        if p.is_file()
    }


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open(newline="")))


def test_same_seed_gives_the_same_bytes_and_another_seed_other_bytes(tmp_path):
    generate(tmp_path / "a", late_orders_out=tmp_path / "a_late", **DIRTY)
    generate(tmp_path / "b", late_orders_out=tmp_path / "b_late", **DIRTY)
    generate(tmp_path / "c", late_orders_out=tmp_path / "c_late", **{**DIRTY, "seed": 8})
    first = snapshot(tmp_path / "a", tmp_path / "a_late")
    assert first == snapshot(tmp_path / "b", tmp_path / "b_late")
    other = snapshot(tmp_path / "c", tmp_path / "c_late")
    assert all(first[name] != other[name] for name in ("0/products/products.csv", "0/orders/2025-04-01.csv"))


def test_clean_drop_has_the_sample_layout_headers_and_formats(clean):
    root, _ = clean
    expected = {"products/products.csv", MANIFEST}
    expected |= {f"{ds}/{day}.csv" for ds in ("orders", "order_items") for day in DAYS}
    assert {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} == expected
    for path in root.rglob("*.csv"):
        data = path.read_bytes()
        assert data.startswith(HEADERS[path.parent.name].encode()), path
        assert b"\r" not in data and data.endswith(b"\n") and b"\n\n" not in data, path
    orders = {day: rows(root / "orders" / f"{day}.csv") for day in DAYS}
    assert sum(map(len, orders.values())) == 300
    by_id = {}
    for day, day_orders in orders.items():
        for order in day_orders:
            assert re.fullmatch(rf"{day}T\d\d:\d\d:\d\d", order["order_timestamp"]) and order["date"] == day
            assert re.fullmatch(r"\d+\.\d\d", order["total_amount"])
            by_id[int(order["order_id"])] = order
    assert list(by_id) == list(range(10000, 10300))
    items = [item for day in DAYS for item in rows(root / "order_items" / f"{day}.csv")]
    assert [int(item["id"]) for item in items] == list(range(1, len(items) + 1))
    per_order = Counter(int(item["order_id"]) for item in items)
    assert set(per_order) == set(by_id) and max(per_order.values()) <= 10
    assert 4.5 <= len(items) / len(by_id) <= 6.5
    for item in items:
        order = by_id[int(item["order_id"])]
        for name in ("user_id", "order_timestamp", "date"):
            assert item[name] == order[name]
        assert (item["days_since_prior_order"] == "") == (order["order_num"] == "1")
    products = rows(root / "products" / "products.csv")
    assert [int(p["product_id"]) for p in products] == list(range(1, 1001))
    names_per_id: dict[str, set[str]] = {}
    for product in products:
        names_per_id.setdefault(product["department_id"], set()).add(product["department"])
    assert 10 <= len({p["department"] for p in products}) <= 20
    assert any(len(names) > 1 for names in names_per_id.values())  # department_id does not fix the name


def test_clean_drop_manifest_has_no_rejects_duplicates_or_pending(clean):
    root, manifest = clean
    assert json.loads((root / MANIFEST).read_text()) == manifest
    assert manifest["seed"] == 7 and manifest["args"] == {**DEFAULTS, "orders": 300, "seed": 7}
    assert manifest["files_rejected"] == [] and manifest["late"] == {"readmitted": 0}
    expected_rows = {"products": 1000, "orders": 300, "order_items": None}
    for ds, stats in manifest["datasets"].items():
        assert stats["files"] == (1 if ds == "products" else 15)
        assert stats["rejected"] == stats["duplicates"] == stats["pending"] == stats["files_skipped"] == 0
        assert stats["rejected_by_reason"] == {}
        assert stats["accepted"] == stats["rows_read"] == (expected_rows[ds] or stats["rows_read"])
    assert set(manifest["datasets"]["products"]["warnings"]) == {c.DEPARTMENT_CONFLICT}


@pytest.mark.parametrize("defects", [0.0, 0.05, 0.5, 1.0])
def test_manifest_conserves_rows_for_every_dataset(tmp_path, defects):
    manifest = generate(tmp_path / "raw", orders=200, days=5, seed=3, defects=defects)
    assert json.loads((tmp_path / "raw" / MANIFEST).read_text()) == manifest
    for stats in manifest["datasets"].values():
        assert (
            stats["rows_read"]
            == stats["accepted"] + stats["rejected"] + stats["duplicates"] + stats["pending"]
        )
        assert sum(stats["rejected_by_reason"].values()) >= stats["rejected"]


def test_defects_cover_every_reason_and_file_case(dirty):
    _, manifest, _ = dirty
    datasets = manifest["datasets"]
    # ORPHAN_PRODUCT may join USER_MISMATCH on an item whose product is unknown too.
    assert (
        set().union(*(s["rejected_by_reason"] for s in datasets.values())) - {c.ORPHAN_PRODUCT} == ROW_REASONS
    )
    assert set(datasets["order_items"]["rejected_by_reason"]) - {c.ORPHAN_PRODUCT} == ROW_REASONS
    rejected = {(f["dataset"], f["file"].split("/", 1)[0], f["reason"]) for f in manifest["files_rejected"]}
    assert rejected == {(ds, ds, reason) for ds in c.DATASETS for reason in (c.EMPTY_FILE, c.MISSING_COLUMNS)}
    for ds, stats in datasets.items():
        assert stats["files_skipped"] == 1 and stats["warnings"][c.EXTRA_COLUMNS] == 1
        assert stats["duplicates"] > 0
        assert sum(stats["rejected_by_reason"].values()) > stats["rejected"], (
            f"{ds}: no row with several reasons"
        )
    assert datasets["order_items"]["pending"] > 0


def test_manifest_agrees_with_the_defect_plan(dirty):
    """The classifier reads the bytes; the plan says what was injected. They must tell the same story."""
    _, manifest, _ = dirty
    _, _, injector = plan_drop(DIRTY["seed"], DIRTY["orders"], DIRTY["defects"], DEFAULTS["products"])
    rejecting = {d.SHORT_ROW, d.LONG_ROW, d.NULL_KEY_ROW, d.MISSING_ROW, d.BAD_TYPE_ROW, d.BAD_TS_ROW}
    rejecting |= {d.RANGE_ROW, d.DATE_ROW, d.MULTI_ROW}
    duplicating = {d.DUP_SAME, d.DUP_NEXT, d.DUP_EARLIER, d.DUP_LATER}
    for ds, stats in manifest["datasets"].items():
        kinds = Counter(injector.plans[ds].values())
        assert set(kinds) == set(d.KINDS[ds])
        assert stats["rejected"] == sum(kinds[k] for k in rejecting) + kinds[d.USER_ROW]
        assert stats["rejected_by_reason"][c.MALFORMED_ROW] == kinds[d.SHORT_ROW] + kinds[d.LONG_ROW]
        assert stats["rejected_by_reason"].get(c.USER_MISMATCH, 0) == kinds[d.USER_ROW]
        assert stats["duplicates"] == sum(kinds[k] for k in duplicating)
    rows = {c.PRODUCTS: DEFAULTS["products"], c.ORDERS: DIRTY["orders"]}
    for ds in rows:
        kinds = Counter(injector.plans[ds].values())
        assert manifest["datasets"][ds]["accepted"] == rows[ds] - sum(
            kinds[k] for k in rejecting | {d.LATE_ORDER}
        )


def test_late_drop_holds_the_missing_orders_and_readmits_their_items(dirty, tmp_path):
    root, manifest, late_root = dirty
    (late_file,) = (p for p in late_root.rglob("*") if p.is_file())
    assert late_file.relative_to(late_root).as_posix() == "orders/2025-04-16.csv"
    late_orders = rows(late_file)
    assert late_orders and late_file.read_bytes().startswith(HEADERS["orders"].encode())
    late_ids = {o["order_id"] for o in late_orders}

    def cells(folder: str) -> set[str]:
        return {
            cell.strip()
            for p in (root / folder).glob("*.csv")
            for line in p.open()
            for cell in line.split(",")
        }

    assert not late_ids & cells("orders") and late_ids <= cells("order_items")
    readmitted = manifest["late"]["readmitted"]
    assert readmitted > 0
    # One run over both drops accepts exactly the items a second run would re-admit.
    combined = tmp_path / "combined"
    shutil.copytree(root, combined)
    shutil.copy(late_file, combined / "orders" / late_file.name)
    both = expected_outcome(combined)["datasets"]
    before = manifest["datasets"]
    assert both["orders"]["accepted"] == before["orders"]["accepted"] + len(late_orders)
    assert both["order_items"]["pending"] == before["order_items"]["pending"] - readmitted
    assert both["order_items"]["accepted"] == before["order_items"]["accepted"] + readmitted


ORDER_FIELDS = {f.name: f for f in c.FIELDS[c.ORDERS] + c.FIELDS[c.ORDER_ITEMS]}


@pytest.mark.parametrize(
    ("name", "raw", "reason"),
    [
        ("order_timestamp", "2025-04-01T10:00:00", None),
        ("order_timestamp", " 2025-04-01 10:00 ", None),
        ("order_timestamp", "2025-04-01T12:00:00+02:00", None),
        ("order_timestamp", "2025-04-01T10:00:00.000Z", None),
        ("order_timestamp", "not-a-time", c.BAD_TIMESTAMP),
        ("order_timestamp", "2025-02-30T10:00:00", c.BAD_TIMESTAMP),
        ("order_timestamp", "1999-12-31T23:59:00", c.BAD_TIMESTAMP),
        ("order_timestamp", "2000-01-01T00:30:00+02:00", c.BAD_TIMESTAMP),
        ("order_timestamp", "", c.MISSING_VALUE),
        ("order_id", "  ", c.NULL_KEY),
        ("order_id", " 42 ", None),
        ("order_id", "10.0", c.BAD_TYPE),
        ("order_id", "1e3", c.BAD_TYPE),
        ("order_id", "abc", c.BAD_TYPE),
        ("order_id", "0", c.OUT_OF_RANGE),
        ("order_id", "-42", c.OUT_OF_RANGE),
        ("total_amount", "12.3", None),
        ("total_amount", "12.345", c.OUT_OF_RANGE),
        ("total_amount", "-12.50", c.OUT_OF_RANGE),
        ("total_amount", "abc", c.BAD_TYPE),
        ("reordered", "2", c.OUT_OF_RANGE),
        ("days_since_prior_order", "", None),
        ("days_since_prior_order", "400", c.OUT_OF_RANGE),
    ],
)
def test_classifier_applies_the_contract_per_field(name, raw, reason):
    assert check_field(ORDER_FIELDS[name], raw)[0] == reason


def test_cli_defaults_and_errors(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--out", str(tmp_path / "x")])
    assert {name: getattr(args, name) for name in DEFAULTS} == {**DEFAULTS, "start_date": date(2025, 4, 1)}
    assert args.late_orders_out is None
    out = tmp_path / "drop"
    assert main(["--out", str(out), "--orders", "20", "--days", "2", "--start-date", "2024-12-31"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads((out / MANIFEST).read_text())
    assert sorted(p.name for p in (out / "orders").iterdir()) == ["2024-12-31.csv", "2025-01-01.csv"]
    for argv in (["--out", str(out)], ["--out", str(tmp_path / "y"), "--defects", "1.5"]):
        with pytest.raises(SystemExit):
            main(argv)


def test_classifier_dedupes_then_checks_parents(tmp_path):
    """A hand-written drop: dedup winner by timestamp, then USER_MISMATCH (with ORPHAN_PRODUCT when
    the product is unknown too), pending orphans, and the late order that re-admits one of them."""
    files = {
        "products/products.csv": HEADERS["products"] + "1,1,Books,P1\n2,1,Toys,P2\n",
        "orders/a.csv": HEADERS["orders"] + "1,10,5,2025-04-01T10:00:00,1.00,2025-04-01\n",
        # Same key, later timestamp, earlier file by path: the later timestamp wins (user 6).
        "orders/0.csv": HEADERS["orders"] + "1,10,6,2025-04-01T10:00:30,1.00,2025-04-01\n\n   \n",
        "order_items/a.csv": HEADERS["order_items"]
        + "1,10,6,,1,1,0,2025-04-01T10:00:00,2025-04-01\n"  # accepted
        + "2,10,5,,1,2,0,2025-04-01T10:00:00,2025-04-01\n"  # USER_MISMATCH
        + "3,10,5,,99,3,0,2025-04-01T10:00:00,2025-04-01\n"  # USER_MISMATCH + ORPHAN_PRODUCT
        + "4,11,7,,2,1,1,2025-04-01T10:00:00,2025-04-01\n"  # pending: order 11 comes late
        + "5,10,6,,99,4,0,2025-04-01T10:00:00,2025-04-01\n"  # pending: unknown product
        + "1,10,6,,1,1,0,2025-04-01T10:00:00,2025-04-01\n",  # duplicate of item 1
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    late = HEADERS["orders"] + "1,11,7,2025-04-01T11:00:00,2.00,2025-04-01\n"
    outcome = expected_outcome(tmp_path, late)
    orders, items = outcome["datasets"]["orders"], outcome["datasets"]["order_items"]
    assert (orders["rows_read"], orders["accepted"], orders["duplicates"]) == (2, 1, 1)
    assert outcome["datasets"]["products"]["warnings"] == {c.DEPARTMENT_CONFLICT: 1}
    assert {k: items[k] for k in ("rows_read", "accepted", "rejected", "duplicates", "pending")} == {
        "rows_read": 6,
        "accepted": 1,
        "rejected": 2,
        "duplicates": 1,
        "pending": 2,
    }
    assert items["rejected_by_reason"] == {c.USER_MISMATCH: 2, c.ORPHAN_PRODUCT: 1}
    assert outcome["late"] == {"readmitted": 1}
