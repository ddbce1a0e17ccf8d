"""Athena queries that run: StartQueryExecution on the local AWS runtime executes the query on the
project's local Athena engine (lakehouse.query.engine: DuckDB over delta-rs, the SQL transpiled from
Athena's dialect) against the Delta tables the Glue catalog points to, in S3. The execution goes
QUEUED -> RUNNING -> SUCCEEDED, or FAILED with Athena's StateChangeReason and AthenaError; the
result lands as CSV in the workgroup's (or the request's) output location, and GetQueryResults
returns it in Athena's shape: a header row, then every value as a string (null: no VarCharValue).
Views are Glue tables of type VIRTUAL_VIEW, as Athena keeps them (athena_views)."""

from __future__ import annotations

import csv
import io
import json
import os
import threading
import time
from pathlib import Path

import boto3
import sqlglot
from moto.athena import models as athena_models
from moto.athena import responses as athena_responses

from lakehouse.query.command import to_json_value
from lakehouse.query.engine import execute
from lakehouse.query.sql import bind_params, parse_statement
from orchestration.local import athena_views

QUEUED, RUNNING, SUCCEEDED, FAILED = "QUEUED", "RUNNING", "SUCCEEDED", "FAILED"
USER_ERROR = {"ErrorCategory": 2, "ErrorType": 1006, "Retryable": False}  # Athena's user-error class

_settings: dict = {"endpoint": None, "region": "us-east-1"}
_installed = False


def configure(endpoint: str | None, region: str = "us-east-1") -> None:
    """The runtime's endpoint; `None` (it stopped): queries are moto's own records again."""
    _settings.update(endpoint=endpoint, region=region)


def _client(service: str):
    return boto3.client(service, endpoint_url=_settings["endpoint"], region_name=_settings["region"])


def storage_options() -> dict[str, str]:
    """delta-rs reads s3:// locations from the runtime's S3."""
    credentials = boto3.Session().get_credentials()
    return {
        "AWS_ENDPOINT_URL": _settings["endpoint"],
        "AWS_REGION": _settings["region"],
        "AWS_ACCESS_KEY_ID": credentials.access_key if credentials else "testing",
        "AWS_SECRET_ACCESS_KEY": credentials.secret_key if credentials else "testing",
        "AWS_ALLOW_HTTP": "true",
    }


def run(sql: str, database: str | None, parameters: list[str] | None) -> tuple[list[str], list[list]]:
    """A query's columns and rows; a CREATE VIEW writes the view to the catalog and returns none."""

    bound, glue = bind_params(sql, list(parameters or [])), _client("glue")
    try:
        first = sqlglot.parse_one(bound, read="athena")
    except sqlglot.errors.SqlglotError:
        first = None  # parse_statement below reports the syntax error in Athena's words
    if first is not None and athena_views.is_create_view(first):
        athena_views.create_view(glue, first, database, storage_options())
        return [], []
    statement = parse_statement(bound)
    tables, views = athena_views.resolve(glue, statement, database)
    sql_out = statement.sql(dialect="athena")
    columns, rows = execute("", sql_out, _NO_VIEWS, tables, storage_options(), views)
    return columns, [[to_json_value(value) for value in row] for row in rows]


_NO_VIEWS = Path(os.devnull)  # view files are not read: Athena's views live in the Glue catalog


def text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    return value if isinstance(value, str) else json.dumps(value)


def results(columns: list[str], rows: list[list]):
    header = {"Data": [{"VarCharValue": c} for c in columns]}
    body = [
        {"Data": [{"VarCharValue": t} if (t := text(v)) is not None else {} for v in row]} for row in rows
    ]
    info = [{"Name": c, "Label": c, "Type": "varchar", "CatalogName": "hive"} for c in columns]
    return athena_models.QueryResults([header, *body], info)


def write_csv(location: str, columns: list[str], rows: list[list]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([[text(v) or "" for v in row] for row in rows])
    bucket, _, key = location.removeprefix("s3://").partition("/")
    _client("s3").put_object(Bucket=bucket, Key=key, Body=out.getvalue().encode("utf-8"))


def output_location(backend, execution) -> str | None:
    group = execution.workgroup
    configured = (group.configuration or {}).get("ResultConfiguration", {}) if group else {}
    enforced = group is not None and (group.configuration or {}).get("EnforceWorkGroupConfiguration")
    base = configured.get("OutputLocation") if enforced or not execution.config else None
    if base:
        return f"{base.rstrip('/')}/{execution.id}.csv"
    return (execution.config or {}).get("OutputLocation")


def execute_query(backend, execution) -> None:
    execution.local_state = RUNNING
    database = (execution.context or {}).get("Database")
    try:
        columns, rows = run(execution.query, database, execution.execution_parameters)
        location = output_location(backend, execution)
        if location:
            write_csv(location, columns, rows)
            execution.config = {**(execution.config or {}), "OutputLocation": location}
        backend.query_results[execution.id] = results(columns, rows)
        execution.local_state = SUCCEEDED
    except Exception as error:  # the query's failure is the execution's state, as on Athena
        execution.local_reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        execution.local_state = FAILED
    execution.end_time = time.time()


def _start(original):
    def start_query_execution(self, *args, **kwargs):
        exec_id = original(self, *args, **kwargs)
        if _settings["endpoint"] is None:
            return exec_id
        execution = self.executions[exec_id]
        execution.local_state = QUEUED
        threading.Thread(target=execute_query, args=(self, execution), daemon=True).start()
        return exec_id

    return start_query_execution


def _status(original):
    def status(self):
        local = getattr(self, "local_state", None)
        return local if local is not None else original.fget(self)

    return property(status, original.fset)


def _get_query_execution(original):
    def get_query_execution(self):
        payload = json.loads(original(self))
        execution = self.athena_backend.executions[self._get_param("QueryExecutionId")]
        status = payload["QueryExecution"]["Status"]
        if getattr(execution, "local_state", None) not in (None, SUCCEEDED, FAILED):
            status.pop("CompletionDateTime", None)
        reason = getattr(execution, "local_reason", None)
        if reason:
            status["StateChangeReason"] = reason
            status["AthenaError"] = {**USER_ERROR, "ErrorMessage": reason}
        if execution.workgroup is not None:
            payload["QueryExecution"]["WorkGroup"] = execution.workgroup.name
        return json.dumps(payload)

    return get_query_execution


def _get_query_results(original):
    def get_query_results(self):
        execution = self.athena_backend.executions.get(self._get_param("QueryExecutionId"))
        state = getattr(execution, "local_state", None)
        if state is not None and state != SUCCEEDED:
            message = f"Query has not yet finished. Current state: {state}"
            if state == FAILED:
                message = f"Query did not succeed: {execution.local_reason}"
            return json.dumps({"__type": "InvalidRequestException", "Message": message}), {"status": 400}
        return original(self)

    return get_query_results


def install() -> None:
    """Patch moto's Athena (idempotent; before the server starts)."""
    global _installed
    if _installed:
        return
    backend = athena_models.AthenaBackend
    backend.start_query_execution = _start(backend.start_query_execution)
    athena_models.Execution.status = _status(athena_models.Execution.status)
    response = athena_responses.AthenaResponse
    response.get_query_execution = _get_query_execution(response.get_query_execution)
    response.get_query_results = _get_query_results(response.get_query_results)
    _installed = True
