"""File-level decisions: reject, skip or ingest, from file metadata alone."""

from bronze.files import (
    RawFile,
    confined,
    group_by_layout,
    parse_header,
    plan_files,
    plan_strays,
)
from shared.contract import (
    EMPTY_FILE,
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


HOSTILE_KEYS = (
    "products/../silver/orders/part-0.csv",  # climbs out of the folder
    "products/../../warehouse/x.csv",
    "products/./a.csv",
    "products//a.csv",  # Hadoop collapses // into another object's key
    "/products/a.csv",  # absolute
    "products/a\\..\\..\\x.csv",
    "products/a\nb.csv",
    "orders/a.csv",  # another dataset's folder
    "s3a://other-bucket/products/a.csv",  # outside the raw root (as a listing reports it)
    "products",
    "",
)


def test_keys_outside_their_dataset_folder_are_rejected_and_never_moved():
    assert confined("products/2025/a.csv", "products") and confined("loose.csv")
    for key in HOSTILE_KEYS:
        assert not confined(key, "products"), key
        (plan,) = plan_files("products", [raw(key)])
        assert (plan.action, plan.reason, plan.movable) == (REJECT, UNSAFE_PATH, False), key


def test_files_outside_every_dataset_folder_are_unknown_unless_their_path_is_unsafe():
    plans = plan_strays([raw("customers/a.csv"), raw("loose.csv"), raw("customers/../../x.csv")])
    assert [(p.raw.file, p.reason, p.movable) for p in plans] == [
        ("customers/../../x.csv", UNSAFE_PATH, False),
        ("customers/a.csv", UNKNOWN_DATASET, True),
        ("loose.csv", UNKNOWN_DATASET, True),
    ]


def test_not_csv_unbalanced_quotes_and_mixed_line_endings_are_file_rejects():
    unbalanced = RawFile("u", "u", "products/q.csv", 10, "q", HEADER, quotes_balanced=False)
    mixed = RawFile("m", "m", "products/m.csv", 10, "m", HEADER, line_endings_consistent=False)
    plans = plan_files("products", [raw("products/a.txt"), unbalanced, mixed])
    assert [p.reason for p in plans] == [NOT_CSV, MIXED_LINE_ENDINGS, UNBALANCED_QUOTES]
