"""The Glue entry points run layer by layer: bronze per dataset, then silver, then gold."""

import json

from bronze import job as bronze_job
from gold import job as gold_job
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
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(printed) == 5  # every job reports one JSON line
