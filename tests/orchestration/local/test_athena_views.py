"""Athena views on the local runtime: CREATE [OR REPLACE] VIEW writes a VIRTUAL_VIEW table to the
Glue catalog (Athena's Presto View form) and queries read through it, views of views included."""

from __future__ import annotations

import time

import boto3
import pyarrow as pa
import pytest
from deltalake import write_deltalake

from orchestration.local.athena import storage_options
from orchestration.local.athena_views import decode
from orchestration.local.server import LocalAws, free_port

BUCKET, DATABASE = "dwh", "t_gold"


@pytest.fixture(scope="module")
def aws(tmp_path_factory):
    with LocalAws(port=free_port(), workdir=tmp_path_factory.mktemp("aws")) as runtime:
        client = lambda service: boto3.client(service, endpoint_url=runtime.endpoint)  # noqa: E731
        client("s3").create_bucket(Bucket=BUCKET)
        location = f"s3://{BUCKET}/gold/daily_sales"
        sales = pa.table({"date": pa.array([19000, 19001], pa.date32()), "revenue": [10.5, None]})
        write_deltalake(location, sales, storage_options=storage_options())
        glue = client("glue")
        glue.create_database(DatabaseInput={"Name": DATABASE})
        glue.create_table(
            DatabaseName=DATABASE,
            TableInput={"Name": "daily_sales", "StorageDescriptor": {"Location": location}},
        )
        yield client


def athena(client, sql: str) -> dict:
    """Run a query to its end: {state, reason, rows (header first)}."""
    api = client("athena")
    query = api.start_query_execution(
        QueryString=sql,
        QueryExecutionContext={"Database": DATABASE},
        ResultConfiguration={"OutputLocation": f"s3://{BUCKET}/results/"},
    )["QueryExecutionId"]
    for _ in range(200):
        status = api.get_query_execution(QueryExecutionId=query)["QueryExecution"]["Status"]
        if status["State"] in ("SUCCEEDED", "FAILED"):
            break
        time.sleep(0.1)
    rows = []
    if status["State"] == "SUCCEEDED":
        result = api.get_query_results(QueryExecutionId=query)["ResultSet"]["Rows"]
        rows = [[cell.get("VarCharValue") for cell in row["Data"]] for row in result]
    return {"state": status["State"], "reason": status.get("StateChangeReason"), "rows": rows}


def test_a_view_is_a_glue_virtual_view_that_queries_read_through(aws):
    created = athena(aws, "create or replace view t_gold.revenue as select date, revenue from daily_sales")
    assert created["state"] == "SUCCEEDED", created
    table = aws("glue").get_table(DatabaseName=DATABASE, Name="revenue")["Table"]
    assert table["TableType"] == "VIRTUAL_VIEW"
    assert decode(table["ViewOriginalText"])["columns"] == [
        {"name": "date", "type": "date"},
        {"name": "revenue", "type": "double"},
    ]
    assert athena(aws, "select * from t_gold.revenue order by date")["rows"] == [
        ["date", "revenue"],
        ["2022-01-08", "10.5"],
        ["2022-01-09", None],
    ]
    # A view of a view, unqualified inside (the view's own database), replaced in place.
    athena(aws, "create view t_gold.total as select sum(revenue) as total from revenue")
    assert athena(aws, "select total from t_gold.total")["rows"] == [["total"], ["10.5"]]
    doubled = "select date, revenue * 2 as revenue from daily_sales"
    athena(aws, f"create or replace view t_gold.revenue as {doubled}")
    assert athena(aws, "select total from t_gold.total")["rows"] == [["total"], ["21.0"]]


def test_view_errors_are_failed_queries_with_a_reason(aws):
    athena(aws, "create or replace view t_gold.again as select 1 as one")
    exists = athena(aws, "create view t_gold.again as select 2 as two")
    assert exists["state"] == "FAILED" and "already exists" in exists["reason"]
    unknown = athena(aws, "create or replace view t_gold.broken as select * from t_gold.nothing")
    assert unknown["state"] == "FAILED" and "nothing" in unknown["reason"]
    over_table = athena(aws, "create or replace view t_gold.daily_sales as select 1 as one")
    assert over_table["state"] == "FAILED" and "is a table, not a view" in over_table["reason"]
