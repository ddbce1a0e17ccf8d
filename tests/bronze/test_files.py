"""File-level decisions: reject, skip or ingest, from file metadata alone."""

from bronze.files import INGEST, REJECT, SKIP, RawFile, group_by_layout, parse_header, plan_files
from shared.contract import EMPTY_FILE, MISSING_COLUMNS, UNREADABLE_FILE

HEADER = "product_id,department_id,department,product_name"


def raw(name, header=HEADER, digest=None, known=False):
    return RawFile(f"file:/r/{name}", f"file:///r/{name}", name, 10, digest or name, header, known)


def test_header_names_are_trimmed_lowercased_and_unquoted():
    assert parse_header(' Product_ID ,"Department_Id",department') == [
        "product_id",
        "department_id",
        "department",
    ]


def test_files_without_header_or_with_missing_columns_are_rejected_with_reason():
    plans = plan_files(
        "products", [raw("products/a.csv", None), raw("products/b.csv", "product_id,department")]
    )
    assert [(p.action, p.reason) for p in plans] == [(REJECT, EMPTY_FILE), (REJECT, MISSING_COLUMNS)]
    assert "department_id" in plans[1].detail and "product_name" in plans[1].detail


def test_same_content_is_ingested_once_in_path_order_and_known_content_is_skipped():
    plans = plan_files(
        "products",
        [
            raw("products/z.csv", digest="h1"),
            raw("products/a.csv", digest="h1"),
            raw("products/k.csv", known=True),
        ],
    )
    assert [(p.raw.file, p.action) for p in plans] == [
        ("products/a.csv", INGEST),
        ("products/k.csv", SKIP),
        ("products/z.csv", SKIP),
    ]


def test_columns_in_any_order_with_extras_map_by_name():
    (plan,) = plan_files(
        "products", [raw("products/x.csv", "Extra, product_name ,department,department_id,PRODUCT_ID")]
    )
    assert plan.action == INGEST
    assert plan.positions == (4, 3, 2, 1)
    assert plan.extra_columns == ("extra",)
    assert plan.width == 5


def test_files_group_by_layout():
    plans = plan_files(
        "products", [raw("products/a.csv"), raw("products/b.csv"), raw("products/c.csv", HEADER + ",x")]
    )
    groups = group_by_layout(plans)
    assert sorted(len(g) for g in groups.values()) == [1, 2]


def test_undecodable_files_are_rejected_and_repeated_names_are_extra():
    bad = RawFile("file:/r/x", "file:///r/x", "products/x.csv", 10, "h", HEADER, utf8=False)
    assert plan_files("products", [bad])[0].reason == UNREADABLE_FILE
    (plan,) = plan_files("products", [raw("products/y.csv", HEADER + ",product_id")])
    assert plan.positions == (0, 1, 2, 3) and plan.extra_columns == ("product_id",)
