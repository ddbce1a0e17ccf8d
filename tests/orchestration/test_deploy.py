"""What the deploy ships: deterministic code versions and Athena SQL named for the environment."""

import zipfile
from io import BytesIO

import pytest

from orchestration.bundle import bundle, read_bundle, version_of
from orchestration.deploy import artifacts, deploy
from orchestration.local.glue_runs import error_message, spark_confs
from orchestration.operate import drop_keys
from orchestration.package import main
from orchestration.release import ReleaseError, ordered_views
from orchestration.sqlnames import qualify_databases


def test_the_same_code_gives_the_same_version():
    first, second = artifacts("dev"), artifacts("dev")
    assert version_of(first) == version_of(second)
    assert version_of(first) != version_of(artifacts("prod"))  # the SQL names differ
    names = zipfile.ZipFile(BytesIO(first["lakehouse.zip"])).namelist()
    assert "bronze/ingest.py" in names and "shared/contract.py" in names
    assert {"jobs/bronze_job.py", "jobs/silver_job.py", "jobs/gold_job.py"} <= set(first)


def test_layer_names_become_environment_databases_in_table_position_only():
    sql = (
        "select 'silver.orders' as label, silver from silver.orders join gold.daily_sales on true where x = ?"
    )
    out = qualify_databases(sql, "prod")
    assert "prod_silver.orders" in out and "prod_gold.daily_sales" in out
    assert "'silver.orders'" in out and "?" in out


def test_glue_conf_argument_is_taken_whole_log_store_included():
    store = "lakehouse.delta.S3ConditionalPutLogStore"
    conf = f"spark.a=1 --conf spark.delta.logStore.s3.impl={store} --conf spark.b=x=y"
    assert spark_confs(conf) == {
        "spark.a": "1",
        "spark.delta.logStore.s3.impl": store,
        "spark.b": "x=y",
    }
    assert spark_confs(None) == {}


def test_a_failed_job_reports_its_last_exception_line():
    log = "starting\nTraceback (most recent call last):\n  File x\npy4j.protocol.Py4JJavaError: boom\nbye\n"
    assert error_message(log) == "py4j.protocol.Py4JJavaError: boom"
    assert error_message("") == "the job exited with an error"
    java = "py4j.protocol.Py4JJavaError: calling o1.x.\n: java.io.IOException: gone\n\tat a\n"
    assert error_message(java) == "py4j.protocol.Py4JJavaError: calling o1.x. : java.io.IOException: gone"


def test_dropped_files_go_under_their_dataset_folder(tmp_path):
    (tmp_path / "drop" / "orders" / "2025").mkdir(parents=True)
    (tmp_path / "drop" / "orders" / "2025" / "a.csv").write_text("x")
    (tmp_path / "loose.csv").write_text("x")
    assert drop_keys([tmp_path / "drop"]) == [(tmp_path / "drop/orders/2025/a.csv", "raw/orders/2025/a.csv")]
    assert drop_keys([tmp_path / "loose.csv"], "products") == [
        (tmp_path / "loose.csv", "raw/products/loose.csv")
    ]


def test_a_drop_uploads_parents_before_items(tmp_path):
    for name in ("order_items/i.csv", "orders/o.csv", "products/p.csv", "order_items/h.csv"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    keys = [key for _, key in drop_keys([tmp_path])]
    assert keys == [
        "raw/products/p.csv",
        "raw/orders/o.csv",
        "raw/order_items/h.csv",
        "raw/order_items/i.csv",
    ]


def test_the_package_bundle_is_what_the_deploy_builds_and_is_checked_on_read(tmp_path):
    main(["--out", str(tmp_path / "template.json"), "--bundle", str(tmp_path / "glue")])
    files = read_bundle(tmp_path / "glue")
    assert files == bundle()
    assert {"sql/views/weekly_sales.sql", "sql/validation/freshness.sql", "jobs/gold_job.py"} <= set(files)
    assert "DefinitionSubstitutions" in (tmp_path / "template.json").read_text()
    (tmp_path / "glue" / "jobs" / "gold_job.py").write_text("print('changed after packaging')\n")
    with pytest.raises(ValueError, match="jobs/gold_job.py differs"):
        read_bundle(tmp_path / "glue")
    with pytest.raises(ValueError, match="not a code bundle"):
        read_bundle(tmp_path)


def test_views_are_created_after_the_views_they_read():
    files = {
        "sql/views/a.sql": b"create or replace view gold.a as select * from gold.b",
        "sql/views/b.sql": b"create or replace view gold.b as select * from gold.daily_sales",
        "sql/validation/x.sql": b"select 1",
    }
    assert [ref for ref, _, _ in ordered_views(files)] == [("gold", "b"), ("gold", "a")]
    files["sql/views/b.sql"] = b"create or replace view gold.b as select * from gold.a"
    with pytest.raises(ReleaseError, match="cycle"):
        ordered_views(files)


def test_on_aws_a_template_over_the_inline_limit_needs_the_deploy_bucket():
    with pytest.raises(ValueError, match="over CloudFormation's inline limit of 51,200"):
        deploy("staging", endpoint=None, log=lambda _: None)
