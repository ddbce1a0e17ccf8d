"""The Glue entry points run layer by layer: bronze per dataset, then silver, then gold."""

import json
from pathlib import Path

from bronze import job as bronze_job
from gold import job as gold_job
from lakehouse.report.build import build_orchestrated
from shared import delta
from shared.warehouse import table_path
from silver import job as silver_job
from tests.drops import header, write_drop

AS_OF = "2025-04-03T00:00:00Z"


def test_layer_by_layer_jobs(spark, tmp_path, capsys):
    raw, wh = tmp_path / "raw", str(tmp_path / "wh")
    write_drop(
        raw,
        {
            "products/p.csv": header("products") + "7,1,Books,B\n",
            "orders/o.csv": header("orders") + "1,10,5,2025-04-01T10:00:00,12.50,2025-04-01\n",
            "order_items/i.csv": header("order_items") + "1,10,5,,7,1,1,2025-04-01T10:00:00,2025-04-01\n"
            "2,11,5,3,7,1,0,2025-04-01T10:00:00,2025-04-01\n",
        },
    )

    common = ["--warehouse", wh, "--run_id", "r1", "--as_of", AS_OF]
    for dataset in ("products", "orders", "order_items"):
        report = bronze_job.main(["--raw", str(raw), "--dataset", dataset, *common])
        assert report["files"][0]["action"] == "ingest"
    silver = silver_job.main(common)
    assert silver["datasets"]["order_items"]["accepted"] == 1
    assert silver["datasets"]["order_items"]["pending"] == 1  # its order 11 has not arrived
    gold = gold_job.main(["--warehouse", wh, "--run_id", "r1"])
    assert gold["dates"] == ["2025-04-01"]  # found in silver's change feed
    gold = delta.read(spark, table_path(wh, "gold", "daily_sales")).collect()
    assert [(r["orders"], str(r["revenue"]), r["items"]) for r in gold] == [(1, "12.50", 1)]
    captured = capsys.readouterr()
    printed = [json.loads(line) for line in captured.out.splitlines()]
    assert len(printed) == 5  # every job reports one JSON line
    # ... and logs JSON lines (CloudWatch) with the run, layer, dataset and counts.
    logged = [json.loads(line) for line in captured.err.splitlines() if line.startswith('{"time"')]
    by_step = {(e["layer"], e["dataset"]): e for e in logged if "layer" in e}
    assert {e["run_id"] for e in by_step.values()} == {"r1"}
    assert by_step[("bronze", "orders")]["rows_appended"] == 1
    items = by_step[("silver", "order_items")]
    assert (items["accepted"], items["pending"], items["message"]) == (
        1,
        1,
        "silver order_items: 2 rows read, 1 accepted, 0 rejected",
    )
    assert by_step[("gold", "daily_sales,department_daily_sales")]["dates"] == ["2025-04-01"]

    # The run's report, put together from what the jobs left under _runs/r1/.
    page = build_orchestrated(spark, wh, "r1")
    gathered = json.loads(Path(page).with_suffix(".json").read_text(encoding="utf-8"))
    summary = gathered["summary"]
    assert (summary["status"], summary["archived"]) == ("SUCCEEDED", 3)
    assert summary["datasets"]["order_items"] == {
        **dict.fromkeys(("files_skipped", "rejected", "duplicates", "readmitted", "expired"), 0),
        "files": 1,
        "rows_read": 2,
        "accepted": 1,
        "pending": 1,
        "rejected_by_reason": {},
        "warnings": {},
    }
    assert {"bronze orders", "silver order_items", "gold daily_sales"} <= set(summary["seconds"])
    assert gathered["daily_sales"] == [{"date": "2025-04-01", "orders": 1, "revenue": 12.5, "items": 1}]
