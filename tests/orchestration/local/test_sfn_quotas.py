"""Step Functions quotas on the local runtime (orchestration/local/sfn_quotas.py): each case ends
as it would on AWS, and would end otherwise on moto alone."""

from __future__ import annotations

import json

from tests.orchestration.local.test_moto_fixes import _name, _run

CATCH_ALL = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}]
CAUGHT = {"Type": "Pass", "End": True}


def _map(items_path: str, iteration: dict, **fields) -> dict:
    return {
        "Type": "Map",
        "ItemsPath": items_path,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, **iteration},
        **fields,
    }


def _failure(result: dict) -> tuple[str, str]:
    return result.get("error", ""), result.get("cause", "")


def test_a_map_result_over_256_kb_fails_the_execution_even_when_discarded(client):
    # 300 iterations of 1 KB each: every state's output is small, the Map's gathered result is not.
    kilobyte = {"StartAt": "Fill", "States": {"Fill": {"Type": "Pass", "Result": "x" * 1024, "End": True}}}
    definition = {
        "StartAt": "Gather",
        "States": {
            "Gather": _map("$.items", kilobyte, ResultPath=None, Catch=CATCH_ALL, End=True),
            "Caught": CAUGHT,
        },
    }
    result = _run(client, definition, {"items": list(range(300))})
    assert result["status"] == "FAILED", result
    error, cause = _failure(result)
    assert error == "States.DataLimitExceeded" and "'Gather'" in cause


def test_the_same_map_under_the_quota_succeeds(client):
    kilobyte = {"StartAt": "Fill", "States": {"Fill": {"Type": "Pass", "Result": "x" * 1024, "End": True}}}
    definition = {
        "StartAt": "Gather",
        "States": {"Gather": _map("$.items", kilobyte, ResultPath=None, End=True)},
    }
    assert _run(client, definition, {"items": list(range(200))})["status"] == "SUCCEEDED"


def test_states_all_does_not_catch_a_runtime_error(client):
    # A JSONPath that is not in the input: States.Runtime, which no catcher takes on AWS.
    lookup = {"Type": "Pass", "Parameters": {"x.$": "$.missing"}, "End": True}
    definition = {
        "StartAt": "Wrapper",
        "States": {
            "Wrapper": _map(
                "$.items", {"StartAt": "Lookup", "States": {"Lookup": lookup}}, Catch=CATCH_ALL, End=True
            ),
            "Caught": CAUGHT,
        },
    }
    result = _run(client, definition, {"items": [1]})
    assert result["status"] == "FAILED", result
    assert _failure(result)[0] == "States.Runtime"


def test_an_execution_fails_when_its_history_reaches_25000_events(client):
    # Each iteration records 6 events (iteration started and succeeded, two Pass states entered and
    # exited): 5,000 iterations would need about 30,000.
    two_steps = {
        "StartAt": "One",
        "States": {"One": {"Type": "Pass", "Next": "Two"}, "Two": {"Type": "Pass", "End": True}},
    }
    definition = {
        "StartAt": "Many",
        "States": {
            "Many": _map("$.items", two_steps, ResultPath=None, MaxConcurrency=10, Catch=CATCH_ALL, End=True),
            "Caught": CAUGHT,
        },
    }
    result = _run(client, definition, {"items": list(range(5000))}, seconds=600)
    assert result["status"] == "FAILED", result
    error, cause = _failure(result)
    assert error == "States.Runtime" and "25000 events" in cause
    sfn = client("stepfunctions")
    events, token = [], {}
    while True:  # the whole history, page by page
        page = sfn.get_execution_history(executionArn=result["executionArn"], maxResults=1000, **token)
        events += page["events"]
        if "nextToken" not in page:
            break
        token = {"nextToken": page["nextToken"]}
    assert (len(events), events[-1]["type"]) == (25_000, "ExecutionFailed")


def test_a_failed_child_of_a_distributed_map_fails_the_map_where_a_catch_takes_it(client):
    s3, bucket = client("s3"), _name("items")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="items.json", Body=json.dumps([{"ok": True}, {"ok": False}]).encode())
    check = {
        "Type": "Choice",
        "Choices": [{"Variable": "$.ok", "BooleanEquals": True, "Next": "Fine"}],
        "Default": "Broken",
    }
    child = {
        "StartAt": "Check",
        "States": {"Check": check, "Fine": {"Type": "Succeed"}, "Broken": {"Type": "Fail", "Error": "Boom"}},
    }
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": bucket, "Key": "items.json"},
    }
    distributed = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, **child}
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemReader": reader,
                "ItemProcessor": distributed,
                "Catch": CATCH_ALL,
                "End": True,
            },
            "Caught": {"Type": "Pass", "InputPath": "$.error", "End": True},
        },
    }
    result = _run(client, definition, {})
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"])["Error"] == "States.ExceedToleratedFailureThreshold"
