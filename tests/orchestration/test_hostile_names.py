"""Legal but hostile object keys end to end on the deployed state machine: bronze reads each file,
and the archive's CopyObject finds it (its CopySource must be URL-encoded: a `%41` sent as is
names `A`, a `#` ends the path) and moves it."""

from __future__ import annotations

from orchestration import operate
from tests.drops import header, write_drop
from tests.orchestration.pipeline import assert_conserved, deployed, run_drop

NAMES = {
    "products": ["a b.csv", "c+d.csv"],
    "orders": ["e%41f.csv", "g#h.csv"],
    "order_items": ["é ü.csv", "i" * 196 + ".csv"],
}
ROWS = {
    "products": "{n},1,Books,B\n",
    "orders": "{n},{n},5,2025-04-01T10:00:00,10.00,2025-04-01\n",
    "order_items": "{n},{n},5,,{n},1,1,2025-04-01T10:00:00,2025-04-01\n",
}


def test_hostile_key_names_are_ingested_and_archived(aws, tmp_path):
    target = deployed(aws, "names")
    files = {
        f"{dataset}/{name}": header(dataset) + ROWS[dataset].format(n=n + 1)
        for dataset, names in NAMES.items()
        for n, name in enumerate(names)
    }
    write_drop(tmp_path / "drop", files)
    finals, alerts, _ = run_drop(target, tmp_path / "drop")

    assert {f["status"] for f in finals} == {"SUCCEEDED"}, alerts
    assert operate.list_keys(target, "raw/") == []
    archived = {key.split("/", 2)[2] for key in operate.list_keys(target, "archived/")}
    assert archived == set(files)
    assert_conserved(target)
