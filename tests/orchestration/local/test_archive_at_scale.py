"""The state machine's real Archive state (orchestration/statemachine.asl.json) moving a drop of
1,500 files on moto, with the Step Functions quotas enforced (orchestration/local/sfn_quotas.py):
every file is moved and the execution's history stays far below 25,000 events, whatever the
number of files. The manifest pages are written by the function bronze uses (shared.runs)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from orchestration.package import asl_path
from shared.contract import INGEST
from shared.runs import moves, pages
from tests.orchestration.local.test_moto_fixes import _name, _run

FILES = 1500
DATASET = "orders"
RUN_ID = "run-at-scale"


def archive_machine(raw_bucket: str, dwh_bucket: str) -> dict:
    """The Archive state as deployed (its buckets substituted), ending in Succeed or, through its
    own Catch, in a Fail state named after the one it would alert from."""
    text = asl_path().read_text().replace("${RawBucket}", raw_bucket).replace("${DwhBucket}", dwh_bucket)
    archive = json.loads(text)["States"]["Archive"]
    assert archive["Next"] == "ReleaseLock" and archive["Catch"][0]["Next"] == "ArchiveFailed"
    archive["Next"] = "Archived"
    return {
        "StartAt": "Archive",
        "States": {
            "Archive": archive,
            "Archived": {"Type": "Succeed"},
            "ArchiveFailed": {"Type": "Fail", "Error": "ArchiveFailed"},
        },
    }


def drop(client, raw_bucket: str, dwh_bucket: str) -> list[str]:
    s3 = client("s3")
    for bucket in (raw_bucket, dwh_bucket):
        s3.create_bucket(Bucket=bucket)
    plans = []
    for number in range(FILES):
        file = f"{DATASET}/{DATASET}_2026-12-07_{number:05d}.csv"
        body = f"order_id\n{number}\n".encode()
        s3.put_object(Bucket=raw_bucket, Key=f"raw/{file}", Body=body)
        plans.append(
            SimpleNamespace(action=INGEST, movable=True, raw=SimpleNamespace(file=file, size=len(body)))
        )
    entries = moves(plans, f"s3://{raw_bucket}/raw", RUN_ID)
    for number, page in enumerate(pages(entries)):
        key = f"warehouse/_runs/{RUN_ID}/archive/{DATASET}/page-{number:05d}.json"
        s3.put_object(Bucket=dwh_bucket, Key=key, Body=json.dumps(page).encode())
    return [entry["target"] for entry in entries]


def keys(client, bucket: str, prefix: str) -> list[str]:
    pages_ = client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [item["Key"] for page in pages_ for item in page.get("Contents", [])]


def history_length(client, execution_arn: str) -> int:
    pages_ = (
        client("stepfunctions").get_paginator("get_execution_history").paginate(executionArn=execution_arn)
    )
    return sum(len(page["events"]) for page in pages_)


def test_1500_files_are_archived_within_the_history_quota(client):
    raw_bucket, dwh_bucket = _name("raw"), _name("dwh")
    targets = drop(client, raw_bucket, dwh_bucket)
    execution_input = {"config": {"datasets": [DATASET]}, "run": {"run_id": RUN_ID}}

    result = _run(client, archive_machine(raw_bucket, dwh_bucket), execution_input, seconds=900)

    assert result["status"] == "SUCCEEDED", (result.get("error"), result.get("cause"))
    assert keys(client, raw_bucket, "raw/") == []
    assert sorted(keys(client, raw_bucket, f"archived/{RUN_ID}/")) == sorted(targets)
    # A few events per page of 200 files, none per file.
    assert history_length(client, result["executionArn"]) < 200
