"""What an operator does with a deployment: drop files into the raw zone, see its status, follow
an execution, read its alerts and run reports. Used by the CLI and the demo alike."""

from __future__ import annotations

import json
import time
from pathlib import Path

from bronze.files import confined
from orchestration.sqlnames import qualify_databases
from shared.contract import DATASETS
from shared.runs import RUNS_DIR, file_counts

RAW_PREFIX = "raw"
LOCK_KEY = {"lock_id": {"S": "pipeline"}}
FINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


def drop_keys(paths: list[Path], dataset: str | None = None) -> list[tuple[Path, str]]:
    """(file, raw key) for each CSV given, or found under a folder given. The dataset is
    `dataset`, else the nearest parent folder named like one (a generated drop's layout)."""
    found = []
    for path in paths:
        files = sorted(p for p in path.rglob("*.csv")) if path.is_dir() else [path]
        for file in files:
            name = dataset or next((p.name for p in file.parents if p.name in DATASETS), None)
            if name is None:
                raise ValueError(
                    f"{file}: not under a products/, orders/ or order_items/ folder; use --dataset"
                )
            folder = next((p for p in file.parents if p.name == name), None)
            inner = file.relative_to(folder).as_posix() if folder else file.name
            if name not in DATASETS or not confined(f"{name}/{inner}", name):
                raise ValueError(f"{file}: {name}/{inner} is not a key inside a dataset folder")
            found.append((file, f"{RAW_PREFIX}/{name}/{inner}"))
    # Parents first: a run that starts while the upload is still going sees an item's order.
    return sorted(found, key=lambda pair: DATASETS.index(pair[1].split("/")[1]))


def drop(target, paths: list[Path], dataset: str | None = None) -> list[str]:
    s3, bucket = target.client("s3"), target.outputs["RawBucket"]
    keys = []
    for file, key in drop_keys(paths, dataset):
        s3.upload_file(str(file), bucket, key)
        keys.append(key)
    return keys


def list_keys(target, prefix: str, bucket_output: str = "RawBucket") -> list[str]:
    """Every key under a prefix of one of the stack's buckets (the raw bucket by default)."""
    s3, bucket = target.client("s3"), target.outputs[bucket_output]
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [o["Key"] for page in pages for o in page.get("Contents", [])]


def pending_files(target) -> dict[str, int]:
    return {dataset: len(list_keys(target, f"{RAW_PREFIX}/{dataset}/")) for dataset in DATASETS}


def executions(target, limit: int = 10) -> list[dict]:
    sfn = target.client("stepfunctions")
    found = sfn.list_executions(stateMachineArn=target.outputs["StateMachineArn"], maxResults=limit)
    return found["executions"]


def executions_since(target, started_after: float) -> list[dict]:
    """Every execution started at or after `started_after` (epoch seconds), newest first: all the
    pages of the listing (one upload starts one execution; a drop of many files starts many)."""
    pages = target.client("stepfunctions").get_paginator("list_executions")
    found = []
    for page in pages.paginate(stateMachineArn=target.outputs["StateMachineArn"]):
        batch = page["executions"]
        found += [e for e in batch if e["startDate"].timestamp() >= started_after]
        if batch and batch[-1]["startDate"].timestamp() < started_after:
            break  # newest first: the rest started earlier
    return found


def start(target, name: str | None = None) -> str:
    """A manual start: the same execution an upload would start (the state machine reads the raw
    zone itself), e.g. to process files left in raw by a failed run."""
    sfn = target.client("stepfunctions")
    named = {"name": name} if name else {}
    found = sfn.start_execution(stateMachineArn=target.outputs["StateMachineArn"], input="{}", **named)
    return found["executionArn"]


def lock_holder(target) -> str | None:
    item = target.client("dynamodb").get_item(
        TableName=target.outputs["LockTable"], Key=LOCK_KEY, ConsistentRead=True
    )
    return item.get("Item", {}).get("owner", {}).get("S")


def status(target) -> dict:
    return {
        "env": target.env,
        "stack": target.outputs.get("StackName") or f"lakehouse-{target.env}",
        "lock_holder": lock_holder(target),
        "pending_files": pending_files(target),
        "executions": [
            {
                "name": e["name"],
                "status": e["status"],
                "started": e["startDate"].isoformat(),
                "stopped": e["stopDate"].isoformat() if e.get("stopDate") else None,
            }
            for e in executions(target)
        ],
    }


def history(target, execution_arn: str) -> list[dict]:
    sfn, events, token = target.client("stepfunctions"), [], None
    while True:
        page = sfn.get_execution_history(
            executionArn=execution_arn, maxResults=1000, **({"nextToken": token} if token else {})
        )
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


def follow(target, on_event, started_after: float, timeout: float = 3600, settle: float = 5) -> list[dict]:
    """Wait until every execution started since `started_after` (epoch seconds) has ended and no
    new one has appeared for `settle` seconds; call on_event(execution name, event) for each new
    history event meanwhile. Returns the executions' final descriptions."""
    sfn = target.client("stepfunctions")
    seen: dict[str, int] = {}
    done: set[str] = set()  # ended, and their whole history seen: not read again
    deadline, quiet_since = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        mine = executions_since(target, started_after)
        for execution in mine:
            if execution["name"] in done:
                continue
            events = history(target, execution["executionArn"])
            for event in events[seen.get(execution["name"], 0) :]:
                on_event(execution["name"], event)
            seen[execution["name"]] = len(events)
            if execution["status"] in FINAL:  # listed as ended before its history was read
                done.add(execution["name"])
        if mine and all(e["status"] in FINAL for e in mine):
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= settle:
                return [sfn.describe_execution(executionArn=e["executionArn"]) for e in mine]
        else:
            quiet_since = None
        time.sleep(1)
    raise TimeoutError("executions still running after the timeout")


def state_output(events: list[dict], state: str) -> dict | None:
    """The output of the last exit of `state` in a history."""
    for event in reversed(events):
        details = event.get("stateExitedEventDetails")
        if details and details.get("name") == state and details.get("output"):
            return json.loads(details["output"])
    return None


def pass_run_ids(events: list[dict]) -> list[str]:
    """The run id of each pass of an execution that ran the jobs (the NewPass state's output), in
    order. A pass whose detection found nothing (the files were taken by the pass before it) runs
    no job and has no reports."""
    run_ids, current = [], None
    for event in events:
        exited = event.get("stateExitedEventDetails") or {}
        if exited.get("name") == "NewPass" and exited.get("output"):
            current = json.loads(exited["output"])["run"]["run_id"]
        entered = (event.get("stateEnteredEventDetails") or {}).get("name")
        if entered == "Bronze" and current is not None and current not in run_ids:
            run_ids.append(current)
    return run_ids


def athena_query(target, sql: str, timeout: float = 300) -> dict:
    """Run one query in the deployment's workgroup to its end: {state, reason, columns, rows}
    (values as Athena returns them: strings, None for null). `sql` names tables by layer
    (gold.daily_sales); they become the environment's databases."""
    athena = target.client("athena")
    query_id = athena.start_query_execution(
        QueryString=qualify_databases(sql, target.env), WorkGroup=target.outputs["AthenaWorkGroup"]
    )["QueryExecutionId"]
    deadline, delay = time.monotonic() + timeout, 0.2
    while True:
        status = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
        if status["State"] in ("SUCCEEDED", "FAILED", "CANCELLED") or time.monotonic() > deadline:
            break
        time.sleep(delay)
        delay = min(delay * 2, 5)
    result = {"state": status["State"], "reason": status.get("StateChangeReason"), "columns": [], "rows": []}
    if status["State"] == "SUCCEEDED":
        pages = athena.get_paginator("get_query_results").paginate(QueryExecutionId=query_id)
        rows = [
            [c.get("VarCharValue") for c in row["Data"]]
            for page in pages
            for row in page["ResultSet"]["Rows"]
        ]
        if rows:
            result.update(columns=rows[0], rows=rows[1:])
    return result


def run_report(target, run_id: str, layer: str, name: str) -> dict | None:
    """A Glue job's report of one run (`warehouse/_runs/<run id>/<layer>/<name>.json`), or None."""
    s3 = target.client("s3")
    key = f"warehouse/{RUNS_DIR}/{run_id}/{layer}/{name}.json"
    try:
        return json.loads(s3.get_object(Bucket=target.outputs["DwhBucket"], Key=key)["Body"].read())
    except s3.exceptions.NoSuchKey:
        return None


def run_reports(target, run_ids: list[str]) -> dict[str, dict]:
    """The datasets part of `lakehouse run`'s summary, from the jobs' run reports: files from
    bronze's, row counts from silver's, summed over the runs (passes) given."""
    datasets = {}
    for dataset in DATASETS:
        total: dict = {"files": 0, "files_skipped": 0}
        for run_id in run_ids:
            for layer in ("bronze", "silver"):
                report = run_report(target, run_id, layer, dataset)
                if report is None:
                    continue
                if layer == "bronze":
                    counts = file_counts(report["files"])
                    total["files"] += counts["files"]
                    total["files_skipped"] += counts["files_skipped"]
                else:
                    add(total, {k: v for k, v in report.items() if k != "seconds"})
        datasets[dataset] = total
    return datasets


def add(total: dict, report: dict) -> None:
    for key, value in report.items():
        if isinstance(value, dict):
            add(total.setdefault(key, {}), value)
        elif isinstance(value, int | float):
            total[key] = total.get(key, 0) + value
