"""The archive manifest bronze leaves for the state machine: exactly the files it decided on."""

from bronze.files import INGEST, REJECT, SKIP, FilePlan, RawFile
from shared import runs


def plan(file: str, action: str, size: int = 10) -> FilePlan:
    raw = RawFile(
        uri=f"s3://raw-bucket/raw/{file}", encoded_uri="", file=file, size=size, hash="h", header="a"
    )
    return FilePlan(raw, action, reason="EMPTY_FILE" if action == REJECT else None)


def test_moves_send_handled_files_to_the_archive_and_rejects_to_the_quarantine():
    plans = [plan("orders/a.csv", INGEST, 5), plan("orders/b.csv", SKIP), plan("orders/c.csv", REJECT)]
    assert runs.moves(plans, "s3://raw-bucket/raw", "run-1") == [
        {"key": "raw/orders/a.csv", "target": "archived/run-1/orders/a.csv", "size": 5},
        {"key": "raw/orders/b.csv", "target": "archived/run-1/orders/b.csv", "size": 10},
        {"key": "raw/orders/c.csv", "target": "quarantine/run-1/orders/c.csv", "size": 10},
    ]


def test_a_raw_zone_deeper_in_the_bucket_keeps_its_siblings_beside_it():
    moved = runs.moves([plan("orders/a.csv", INGEST)], "s3://b/landing/raw", "r")
    assert moved[0]["key"] == "landing/raw/orders/a.csv"
    assert moved[0]["target"] == "landing/archived/r/orders/a.csv"


def test_pages_split_the_list_and_an_empty_list_has_no_page():
    entries = [{"key": str(n)} for n in range(5)]
    assert [len(p) for p in runs.pages(entries, size=2)] == [2, 2, 1]
    assert runs.pages([], size=2) == []
