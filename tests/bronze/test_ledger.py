"""A run stopped between its bronze commit and its ledger commit must not ingest files twice."""

import datetime as dt

from bronze import ledger
from bronze.files import plan_files
from bronze.ingest import append_bronze, describe_files, ensure_bronze_tables, ingest_dataset
from shared import delta
from shared.warehouse import ledger_path, table_path

AT = dt.datetime(2025, 4, 2, tzinfo=dt.UTC)


def test_files_of_an_interrupted_run_are_recovered_not_appended_again(spark, tmp_path):
    raw, wh = tmp_path / "raw", str(tmp_path / "wh")
    (raw / "orders").mkdir(parents=True)
    (raw / "orders" / "a.csv").write_text(
        "order_num,order_id,user_id,order_timestamp,total_amount,date\n1,10,5,2025-04-01T10:00:00,1.00,2025-04-01\n"
    )
    ensure_bronze_tables(spark, wh, "orders")
    plans = plan_files("orders", describe_files(spark, str(raw), "orders", wh))
    assert append_bronze(spark, wh, "orders", plans, "crashed-run", AT) == 1  # ...and no ledger entry

    result = ingest_dataset(spark, str(raw), wh, "orders", "next-run", AT)

    assert result.rows_appended == 0
    assert [p.action for p in result.plans] == ["skip"]
    assert delta.read(spark, table_path(wh, "bronze", "orders")).count() == 1
    recovered = delta.read(spark, ledger_path(wh)).where("run_id = 'crashed-run'").collect()
    assert [(r.file, r.action) for r in recovered] == [("orders/a.csv", "ingest")]
    assert ledger.recover(spark, wh, "orders", AT) == 0  # once recorded, nothing more to recover
