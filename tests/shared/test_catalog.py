"""Catalog registration: the Athena-native Delta TableInput, and registration against a real Glue
endpoint (moto's server, in-process) and in file mode."""

from __future__ import annotations

import json
import os

import pytest
from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DateType,
    DecimalType,
    DoubleType,
    IntegerType,
    LongType,
    MapType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from shared import catalog, delta
from shared.contract import DAILY_SALES, GOLD, ORDERS, QUARANTINE, SILVER
from shared.warehouse import table_path
from silver.schema import QUARANTINE_SCHEMA, silver_schema

GOLD_SCHEMA = StructType(
    [
        StructField("date", DateType(), nullable=False),
        StructField("orders", LongType()),
        StructField("revenue", DecimalType(14, 2)),
        StructField("reorder_rate", DoubleType()),
    ]
)


# --- the TableInput ---------------------------------------------------------------------------


def test_hive_types_of_spark_types():
    nested = StructType(
        [
            StructField("id", LongType()),
            StructField("tags", ArrayType(StringType())),
            StructField(
                "inner", StructType([StructField("ok", BooleanType()), StructField("n", IntegerType())])
            ),
        ]
    )
    cases = {
        LongType(): "bigint",
        IntegerType(): "int",
        StringType(): "string",
        DecimalType(12, 2): "decimal(12,2)",
        DateType(): "date",
        TimestampType(): "timestamp",
        DoubleType(): "double",
        BooleanType(): "boolean",
        ArrayType(StringType()): "array<string>",
        MapType(StringType(), StringType()): "map<string,string>",
        ArrayType(MapType(StringType(), DecimalType(12, 2))): "array<map<string,decimal(12,2)>>",
        nested: "struct<id:bigint,tags:array<string>,inner:struct<ok:boolean,n:int>>",
    }
    assert {t.simpleString(): catalog.hive_type(t) for t in cases} == {
        t.simpleString(): v for t, v in cases.items()
    }


def test_table_input_is_athena_native_delta_with_partition_keys_apart():
    schema = silver_schema(ORDERS)
    got = catalog.glue_table_input("orders", "s3a://lake/wh/silver/orders", schema, ["date"])

    assert got["TableType"] == "EXTERNAL_TABLE"
    assert got["Parameters"]["table_type"] == "DELTA"
    assert got["Parameters"]["classification"] == "delta"
    assert "spark.sql.sources.provider" not in got["Parameters"]
    assert got["StorageDescriptor"]["Location"] == "s3://lake/wh/silver/orders"
    columns = got["StorageDescriptor"]["Columns"]
    assert [c["Name"] for c in columns] == [f.name for f in schema.fields if f.name != "date"]
    assert {c["Name"]: c["Type"] for c in columns}["total_amount"] == "decimal(12,2)"
    assert {c["Name"]: c["Type"] for c in columns}["order_timestamp"] == "timestamp"
    assert got["PartitionKeys"] == [{"Name": "date", "Type": "date"}]
    assert {"Name": "col", "Type": "array<string>"} not in columns


def test_column_comments_come_from_the_delta_schema():
    schema = StructType(
        [StructField("a", LongType(), metadata={"comment": "x" * 300}), StructField("b", LongType())]
    )
    columns = catalog.glue_table_input("t", "/wh/t", schema, [])["StorageDescriptor"]["Columns"]
    assert columns == [{"Name": "a", "Type": "bigint", "Comment": "x" * 255}, {"Name": "b", "Type": "bigint"}]


def test_locations_and_names():
    assert catalog.athena_location("s3://b/k") == "s3://b/k"
    assert catalog.athena_location("s3n://b/k") == "s3://b/k"
    assert catalog.athena_location("/tmp/wh/gold/x") == "/tmp/wh/gold/x"
    assert catalog.database_name("dev", "gold") == "dev_gold"
    with pytest.raises(ValueError):
        catalog.database_name("Prod-1", "gold")
    with pytest.raises(ValueError, match="not in the schema"):
        catalog.glue_table_input("t", "/wh/t", GOLD_SCHEMA, ["day"])


# --- registration -----------------------------------------------------------------------------


def make_warehouse(spark, root: str) -> str:
    """silver.orders (partitioned by date), silver.quarantine (arrays, maps), gold.daily_sales; the
    other analyst tables do not exist and must be skipped."""
    delta.ensure_table(spark, table_path(root, SILVER, ORDERS), silver_schema(ORDERS), partition_by="date")
    delta.ensure_table(spark, table_path(root, SILVER, QUARANTINE), QUARANTINE_SCHEMA, partition_by="dataset")
    delta.ensure_table(spark, table_path(root, GOLD, DAILY_SALES), GOLD_SCHEMA)
    return root


def expected_columns(schema: StructType, partition: str | None) -> list[dict]:
    return [
        {"Name": f.name, "Type": catalog.hive_type(f.dataType)} for f in schema.fields if f.name != partition
    ]


@pytest.fixture(scope="module")
def glue():
    """A Glue endpoint: moto's server on a free local port, with dummy credentials."""
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as mp:
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_GLUE"):
            mp.delenv(name, raising=False)
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            mp.setenv(name, "testing")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield catalog.glue_client(endpoint_url=f"http://{host}:{port}")
        finally:
            server.stop()


@pytest.fixture(scope="module")
def warehouse(spark, tmp_path_factory):
    return make_warehouse(spark, str(tmp_path_factory.mktemp("catalog") / "warehouse"))


def test_registers_real_columns_in_glue_and_is_idempotent(spark, glue, warehouse):
    results = catalog.register_tables(spark, warehouse, "dev", glue_client=glue)

    assert results == [
        {"database": "dev_silver", "table": ORDERS, "action": "created"},
        {"database": "dev_silver", "table": QUARANTINE, "action": "created"},
        {"database": "dev_gold", "table": DAILY_SALES, "action": "created"},
    ]
    orders = glue.get_table(DatabaseName="dev_silver", Name=ORDERS)["Table"]
    assert orders["TableType"] == "EXTERNAL_TABLE"
    assert orders["Parameters"]["table_type"] == "DELTA"
    assert orders["StorageDescriptor"]["Location"] == table_path(warehouse, SILVER, ORDERS)
    stored = spark.read.format("delta").load(table_path(warehouse, SILVER, ORDERS)).schema
    assert orders["StorageDescriptor"]["Columns"] == expected_columns(stored, "date")
    assert orders["PartitionKeys"] == [{"Name": "date", "Type": "date"}]

    quarantine = glue.get_table(DatabaseName="dev_silver", Name=QUARANTINE)["Table"]
    types = {c["Name"]: c["Type"] for c in quarantine["StorageDescriptor"]["Columns"]}
    assert types["reasons"] == "array<string>" and types["record"] == "map<string,string>"
    assert quarantine["PartitionKeys"] == [{"Name": "dataset", "Type": "string"}]
    gold = glue.get_table(DatabaseName="dev_gold", Name=DAILY_SALES)["Table"]
    assert gold["StorageDescriptor"]["Columns"] == expected_columns(GOLD_SCHEMA, None)
    assert gold["PartitionKeys"] == []
    assert {d["Name"] for d in glue.get_databases()["DatabaseList"]} >= {"dev_silver", "dev_gold"}

    again = catalog.register_tables(spark, warehouse, "dev", glue_client=glue)
    assert {r["action"] for r in again} == {"unchanged"}
    # No needless update: Glue keeps the entry's first version.
    assert glue.get_table(DatabaseName="dev_silver", Name=ORDERS)["Table"]["VersionId"] == "1"


def test_schema_change_updates_the_glue_entry(spark, glue, tmp_path):
    wh = make_warehouse(spark, str(tmp_path / "warehouse"))
    catalog.register_tables(spark, wh, "evolve", glue_client=glue)
    path = table_path(wh, SILVER, ORDERS)
    spark.sql(f"ALTER TABLE delta.`{path}` ADD COLUMNS (channel STRING COMMENT 'sales channel')")

    results = catalog.register_tables(spark, wh, "evolve", glue_client=glue)

    assert {r["table"]: r["action"] for r in results} == {
        ORDERS: "updated",
        QUARANTINE: "unchanged",
        DAILY_SALES: "unchanged",
    }
    table = glue.get_table(DatabaseName="evolve_silver", Name=ORDERS)["Table"]
    assert table["StorageDescriptor"]["Columns"][-1] == {
        "Name": "channel",
        "Type": "string",
        "Comment": "sales channel",
    }
    assert table["PartitionKeys"] == [{"Name": "date", "Type": "date"}]
    assert table["VersionId"] == "2"


def test_placeholder_registration_is_replaced_by_the_real_columns(spark, glue, warehouse):
    """An entry left by Spark's CREATE TABLE ... USING delta (placeholder schema) gets fixed."""
    glue.create_database(DatabaseInput={"Name": "legacy_gold"})
    glue.create_table(
        DatabaseName="legacy_gold",
        TableInput={
            "Name": DAILY_SALES,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"spark.sql.sources.provider": "delta"},
            "StorageDescriptor": {
                "Columns": [{"Name": "col", "Type": "array<string>"}],
                "Location": table_path(warehouse, GOLD, DAILY_SALES),
            },
        },
    )
    results = catalog.register_tables(
        spark, warehouse, "legacy", glue_client=glue, tables=[(GOLD, DAILY_SALES)]
    )

    assert results == [{"database": "legacy_gold", "table": DAILY_SALES, "action": "updated"}]
    table = glue.get_table(DatabaseName="legacy_gold", Name=DAILY_SALES)["Table"]
    assert table["StorageDescriptor"]["Columns"] == expected_columns(GOLD_SCHEMA, None)
    assert table["Parameters"] == catalog.DELTA_PARAMETERS


def test_file_mode_keeps_the_same_entries(spark, tmp_path):
    wh = make_warehouse(spark, str(tmp_path / "warehouse"))

    first = catalog.register_tables(spark, wh)

    assert [(r["database"], r["table"], r["action"]) for r in first] == [
        ("dev_silver", ORDERS, "created"),
        ("dev_silver", QUARANTINE, "created"),
        ("dev_gold", DAILY_SALES, "created"),
    ]
    entry_file = os.path.join(wh, "_catalog", "dev_silver.orders.json")
    entry = json.loads(open(entry_file, encoding="utf-8").read())
    assert entry["database"] == "dev_silver" and entry["table"] == ORDERS
    assert entry["TableInput"] == catalog.glue_table_input(
        ORDERS, table_path(wh, SILVER, ORDERS), silver_schema(ORDERS), ["date"]
    )
    assert {r["action"] for r in catalog.register_tables(spark, wh)} == {"unchanged"}

    path = table_path(wh, GOLD, DAILY_SALES)
    spark.sql(f"ALTER TABLE delta.`{path}` ADD COLUMNS (items BIGINT)")
    actions = {r["table"]: r["action"] for r in catalog.register_tables(spark, wh)}
    assert actions[DAILY_SALES] == "updated" and actions[ORDERS] == "unchanged"
    gold = json.loads(
        open(os.path.join(wh, "_catalog", "dev_gold.daily_sales.json"), encoding="utf-8").read()
    )
    assert gold["TableInput"]["StorageDescriptor"]["Columns"][-1] == {"Name": "items", "Type": "bigint"}

    other = tmp_path / "elsewhere"
    catalog.register_tables(spark, wh, "test", catalog_dir=str(other))
    assert sorted(p.name for p in other.iterdir()) == [
        "test_gold.daily_sales.json",
        "test_silver.orders.json",
        "test_silver.quarantine.json",
    ]
