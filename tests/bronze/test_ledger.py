"""A run stopped between its bronze commit and its ledger commit must not ingest files twice."""

import datetime as dt

from bronze import ledger
from bronze.files import plan_files
from bronze.ingest import append_bronze, describe_files, ensure_bronze_tables, ingest_dataset, settle
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
    added = append_bronze(spark, wh, "orders", plans, "crashed-run", AT)  # ...and no ledger entry
    assert list(added.values()) == [1]

    result = ingest_dataset(spark, str(raw), wh, "orders", "next-run", AT)

    assert result.rows_appended == 0
    assert [p.action for p in result.plans] == ["skip"]
    assert delta.read(spark, table_path(wh, "bronze", "orders")).count() == 1
    recovered = delta.read(spark, ledger_path(wh)).where("run_id = 'crashed-run'").collect()
    assert [(r.file, r.action, r.rows) for r in recovered] == [("orders/a.csv", "ingest", 1)]
    assert ledger.recover(spark, wh, "orders", AT) == 0  # once recorded, nothing more to recover


def test_a_row_already_in_bronze_is_not_added_again(spark, tmp_path):
    """The safeguard against two runs ingesting one content at once: bronze's insert is keyed on
    (content hash, row number), so the second insert of the same plan adds nothing."""
    raw, wh = tmp_path / "raw", str(tmp_path / "wh")
    (raw / "orders").mkdir(parents=True)
    (raw / "orders" / "a.csv").write_text(
        "order_num,order_id,user_id,order_timestamp,total_amount,date\n1,10,5,2025-04-01T10:00:00,1.00,2025-04-01\n"
    )
    ensure_bronze_tables(spark, wh, "orders")
    plans = plan_files("orders", describe_files(spark, str(raw), "orders", wh))
    assert list(append_bronze(spark, wh, "orders", plans, "run-a", AT).values()) == [1]
    assert append_bronze(spark, wh, "orders", plans, "run-b", AT) == {}
    assert delta.read(spark, table_path(wh, "bronze", "orders")).count() == 1
    assert [p.action for p in settle(spark, wh, "orders", plans, {})] == ["skip"]
