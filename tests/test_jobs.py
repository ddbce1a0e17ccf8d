"""The Glue entry points run layer by layer: bronze per dataset, then silver, then gold."""

import json

from bronze import job as bronze_job
from gold import job as gold_job
from shared import delta
from shared.warehouse import table_path
from silver import job as silver_job

AS_OF = "2025-04-03T00:00:00Z"


def test_layer_by_layer_jobs(spark, tmp_path, capsys):
    raw, wh = tmp_path / "raw", str(tmp_path / "wh")
    files = {
        "products/p.csv": "product_id,department_id,department,product_name\n7,1,Books,B\n",
        "orders/o.csv": "order_num,order_id,user_id,order_timestamp,total_amount,date\n"
        "1,10,5,2025-04-01T10:00:00,12.50,2025-04-01\n",
        "order_items/i.csv": "id,order_id,user_id,days_since_prior_order,product_id,add_to_cart_order,"
        "reordered,order_timestamp,date\n1,10,5,,7,1,1,2025-04-01T10:00:00,2025-04-01\n"
        "2,11,5,3,7,1,0,2025-04-01T10:00:00,2025-04-01\n",
    }
    for name, text in files.items():
        (raw / name).parent.mkdir(parents=True, exist_ok=True)
        (raw / name).write_text(text)

    common = ["--warehouse", wh, "--run_id", "r1", "--as_of", AS_OF]
    for dataset in ("products", "orders", "order_items"):
        report = bronze_job.main(["--raw", str(raw), "--dataset", dataset, *common])
        assert report["files"][0]["action"] == "ingest"
    silver = silver_job.main(common)
    assert silver["datasets"]["order_items"]["accepted"] == 1
    assert silver["datasets"]["order_items"]["pending"] == 1  # its order 11 has not arrived
    assert silver["touched_dates"] == ["2025-04-01"]
    gold_job.main(["--warehouse", wh, "--dates", ",".join(silver["touched_dates"])])
    gold = delta.read(spark, table_path(wh, "gold", "daily_sales")).collect()
    assert [(r["orders"], str(r["revenue"]), r["items"]) for r in gold] == [(1, "12.50", 1)]
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(printed) == 5  # every job reports one JSON line
