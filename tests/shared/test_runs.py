"""The archive manifest bronze leaves for the state machine: exactly the files it decided on."""

from bronze.files import FilePlan, RawFile
from shared import runs
from shared.contract import INGEST, REJECT, SKIP


def plan(file: str, action: str, size: int = 10) -> FilePlan:
    raw = RawFile(
        uri=f"s3://raw-bucket/raw/{file}", encoded_uri="", file=file, size=size, hash="h", header="a"
    )
    return FilePlan(raw, action, reason="EMPTY_FILE" if action == REJECT else None)


def test_moves_send_handled_files_to_the_archive_and_rejects_to_the_quarantine():
    plans = [plan("orders/a.csv", INGEST, 5), plan("orders/b.csv", SKIP), plan("orders/c.csv", REJECT)]
    assert runs.moves(plans, "s3://raw-bucket/raw", "run-1") == [
        {"key": k, "source": k, "target": t, "size": n}
        for k, t, n in [
            ("raw/orders/a.csv", "archived/run-1/orders/a.csv", 5),
            ("raw/orders/b.csv", "archived/run-1/orders/b.csv", 10),
            ("raw/orders/c.csv", "quarantine/run-1/orders/c.csv", 10),
        ]
    ]


def test_the_copy_source_is_url_encoded_and_the_keys_are_not():
    name = "orders/a b+c%41#d-é_~.csv"
    (moved,) = runs.moves([plan(name, INGEST)], "s3://raw-bucket/raw", "r")
    assert moved["key"] == f"raw/{name}" and moved["target"] == f"archived/r/{name}"
    assert moved["source"] == "raw/orders/a%20b%2Bc%2541%23d-%C3%A9_~.csv"


def test_a_raw_zone_deeper_in_the_bucket_keeps_its_siblings_beside_it():
    moved = runs.moves([plan("orders/a.csv", INGEST)], "s3://b/landing/raw", "r")
    assert moved[0]["key"] == "landing/raw/orders/a.csv"
    assert moved[0]["target"] == "landing/archived/r/orders/a.csv"


def test_pages_split_the_list_and_an_empty_list_has_no_page():
    entries = [{"key": str(n)} for n in range(5)]
    assert [len(p) for p in runs.pages(entries, size=2)] == [2, 2, 1]
    assert runs.pages([], size=2) == []
