"""Each moto fix in orchestration.local.moto_fixes, and each checked-only behaviour, on a live server.

Small inline ASL definitions run on moto's interpreter; every test drives the server through boto3 as
the project's code does. The letters refer to the fixes' list in the module's docstrings.
"""

from __future__ import annotations

import datetime
import json
import sys
import time
import urllib.request
import uuid

import pytest

from orchestration.local import moto_fixes
from tests.orchestration.local.conftest import REGION

ROLE = "arn:aws:iam::123456789012:role/local-states"
DEADLINE_SECONDS = 30
ECHO = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}


@pytest.fixture(autouse=True)
def moto_job_runs(monkeypatch):
    """moto's own Glue job runs (they end at once), even where the local runtime's Spark-process runs
    (orchestration.local.glue_runs) were installed earlier in this process."""
    glue_runs = sys.modules.get("orchestration.local.glue_runs")
    if glue_runs is not None:
        monkeypatch.setattr(glue_runs, "launch", lambda backend, run: None)


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# The role of these tests' state machines may do anything: they test moto's Step Functions, not
# IAM (orchestration.local.iam evaluates the integrations' calls against the role).
ANYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
# Its Glue jobs and EventBridge targets act with it too (orchestration.local.trust checks the trust).
TRUSTS_SERVICES = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": ["states.amazonaws.com", "events.amazonaws.com", "glue.amazonaws.com"]},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _state_machine(client, definition: dict) -> str:
    sfn, iam = client("stepfunctions"), client("iam")
    if ROLE.rsplit("/", 1)[1] not in {r["RoleName"] for r in iam.list_roles()["Roles"]}:
        iam.create_role(RoleName=ROLE.rsplit("/", 1)[1], AssumeRolePolicyDocument=json.dumps(TRUSTS_SERVICES))
        iam.put_role_policy(
            RoleName=ROLE.rsplit("/", 1)[1], PolicyName="anything", PolicyDocument=json.dumps(ANYTHING)
        )
    return sfn.create_state_machine(name=_name("sm"), definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]


def _wait(client, execution_arn: str, seconds: float = DEADLINE_SECONDS) -> dict:
    sfn = client("stepfunctions")
    deadline = time.monotonic() + seconds
    while True:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING":
            return described
        if time.monotonic() > deadline:
            pytest.fail(f"execution still RUNNING after {seconds}s: {execution_arn}")
        time.sleep(0.1)


def _run(
    client, definition: dict, execution_input: dict | None = None, seconds: float = DEADLINE_SECONDS
) -> dict:
    arn = _state_machine(client, definition)
    started = client("stepfunctions").start_execution(
        stateMachineArn=arn, input=json.dumps(execution_input or {})
    )
    return _wait(client, started["executionArn"], seconds)


def _executions(client, state_machine_arn: str, count: int) -> list[dict]:
    """The state machine's executions once `count` have been started and all have ended."""
    sfn = client("stepfunctions")
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        listed = sfn.list_executions(stateMachineArn=state_machine_arn)["executions"]
        if len(listed) >= count:
            return [_wait(client, e["executionArn"]) for e in listed]
        if time.monotonic() > deadline:
            pytest.fail(f"{len(listed)} executions of {state_machine_arn}, expected {count}")
        time.sleep(0.1)


def _moto_api(endpoint: str, path: str, body: dict) -> None:
    request = urllib.request.Request(
        f"{endpoint}/moto-api/{path}", data=json.dumps(body).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def _glue_job(client) -> str:
    name = _name("job")
    client("glue").create_job(
        Name=name, Role=ROLE, Command={"Name": "glueetl", "ScriptLocation": "s3://artifacts/jobs/x.py"}
    )
    return name


def _sync_task(job: str, **extra) -> dict:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::glue:startJobRun.sync",
        "Parameters": {"JobName": job, "Arguments": {"--dataset.$": "$.dataset"}},
        "TimeoutSeconds": 60,
        **extra,
    }


@pytest.fixture
def job_run_ends_in(monkeypatch):
    """Make the runs of one Glue job end in a given state: only the job run's reported state changes."""
    from moto.glue.models import FakeJobRun

    original = FakeJobRun.as_dict

    def end(job: str, state: str, message: str) -> None:
        def as_dict(self):
            run = original(self)
            if self.job_name == job:
                run["JobRunState"] = state
                run["ErrorMessage"] = message
            return run

        monkeypatch.setattr(FakeJobRun, "as_dict", as_dict)

    return end


def _bucket(client) -> str:
    name = _name("bkt")
    client("s3").create_bucket(Bucket=name)
    return name


def _queue(client) -> tuple[str, str]:
    sqs = client("sqs")
    url = sqs.create_queue(QueueName=_name("q"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _drain(client, queue_url: str, expected: int) -> list[dict]:
    sqs = client("sqs")
    messages: list[dict] = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        messages += [json.loads(m["Body"]) for m in got]
        if not got and len(messages) >= expected:
            break
    return messages


# --- a. glue:startJobRun.sync ------------------------------------------------------------------------


def test_glue_sync_waits_for_the_job_run_and_returns_it(client, moto_endpoint):
    job = _glue_job(client)
    # moto's own state transitions: STARTING -> RUNNING -> SUCCEEDED, half a second each.
    transition = {"progression": "time", "seconds": 0.5}
    _moto_api(
        moto_endpoint,
        "state-manager/set-transition",
        {"model_name": "glue::job_run", "transition": transition},
    )
    try:
        started = time.monotonic()
        result = _run(
            client,
            {"StartAt": "Bronze", "States": {"Bronze": _sync_task(job, End=True)}},
            {"dataset": "orders"},
        )
        elapsed = time.monotonic() - started
    finally:
        _moto_api(moto_endpoint, "state-manager/unset-transition", {"model_name": "glue::job_run"})

    assert result["status"] == "SUCCEEDED", result
    run = json.loads(result["output"])
    assert run["JobRunState"] == "SUCCEEDED"
    assert run["JobName"] == job
    assert run["Id"].startswith("jr_")
    assert run["Arguments"] == {"--dataset": "orders"}
    assert 1.0 <= elapsed < 10, "the task waited for the run's end, polling about every half second"


@pytest.mark.parametrize("state", ["FAILED", "TIMEOUT", "ERROR", "STOPPED"])
def test_glue_sync_run_that_did_not_succeed_fails_the_task(client, job_run_ends_in, state):
    job = _glue_job(client)
    job_run_ends_in(job, state, "Spark job failed: boom")
    definition = {
        "StartAt": "Bronze",
        "States": {
            "Bronze": _sync_task(
                job,
                Catch=[
                    {"ErrorEquals": ["States.Timeout"], "Next": "Wrong"},
                    {"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.error", "Next": "Caught"},
                ],
                End=True,
            ),
            "Wrong": {"Type": "Fail", "Error": "WrongCatch"},
            "Caught": {"Type": "Pass", "End": True},
        },
    }

    result = _run(client, definition, {"dataset": "orders"})

    assert result["status"] == "SUCCEEDED", result
    error = json.loads(result["output"])["error"]
    assert error["Error"] == "States.TaskFailed"
    cause = json.loads(error["Cause"])
    assert cause["JobRunState"] == state
    assert cause["ErrorMessage"] == "Spark job failed: boom"
    assert cause["JobName"] == job


# --- b. datetimes in task results --------------------------------------------------------------------


def test_timestamps_in_a_task_result_are_iso_strings_in_describe_execution(client):
    bucket = _bucket(client)
    client("s3").put_object(Bucket=bucket, Key="raw/orders/a.csv", Body=b"id\n1\n")
    definition = {
        "StartAt": "Head",
        "States": {
            "Head": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:headObject",
                "Parameters": {"Bucket": bucket, "Key": "raw/orders/a.csv"},
                "End": True,
            }
        },
    }

    result = _run(client, definition)  # DescribeExecution answered HTTP 500 here before the fix

    assert result["status"] == "SUCCEEDED", result
    output = json.loads(result["output"])
    assert isinstance(output["LastModified"], str)
    assert datetime.datetime.fromisoformat(output["LastModified"]).tzinfo is not None
    assert output["ContentLength"] == 5


# --- c. States.* errors out of Map iterations and Parallel branches ----------------------------------


def _timing_out_task(queue_url: str) -> dict:
    """A task that ends in States.Timeout after a second: nobody answers its task token."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": queue_url, "MessageBody": {"token.$": "$$.Task.Token"}},
        "TimeoutSeconds": 1,
        "End": True,
    }


def test_map_fails_with_the_iteration_states_error(client):
    queue_url, _ = _queue(client)
    definition = {
        "StartAt": "PerDataset",
        "States": {
            "PerDataset": {
                "Type": "Map",
                "ItemsPath": "$.datasets",
                "ItemProcessor": {"StartAt": "Job", "States": {"Job": _timing_out_task(queue_url)}},
                "End": True,
            }
        },
    }

    result = _run(client, definition, {"datasets": ["orders"]})

    assert result["status"] == "FAILED"
    assert result["error"] == "States.Timeout"


@pytest.mark.parametrize("catch_on", ["States.ALL", "States.TaskFailed"])
def test_map_catch_sees_the_iteration_error_and_cause(client, job_run_ends_in, catch_on):
    job = _glue_job(client)
    job_run_ends_in(job, "FAILED", "bad input file")
    definition = {
        "StartAt": "PerDataset",
        "States": {
            "PerDataset": {
                "Type": "Map",
                "ItemsPath": "$.datasets",
                "ItemSelector": {"dataset.$": "$$.Map.Item.Value"},
                "ItemProcessor": {"StartAt": "Job", "States": {"Job": _sync_task(job, End=True)}},
                "Catch": [
                    {"ErrorEquals": ["States.Timeout"], "Next": "Wrong"},
                    {"ErrorEquals": [catch_on], "ResultPath": "$.error", "Next": "Alert"},
                ],
                "End": True,
            },
            "Wrong": {"Type": "Fail", "Error": "WrongCatch"},
            "Alert": {"Type": "Pass", "End": True},
        },
    }

    result = _run(client, definition, {"datasets": ["orders"]})

    assert result["status"] == "SUCCEEDED", result
    error = json.loads(result["output"])["error"]
    assert error["Error"] == "States.TaskFailed"
    assert json.loads(error["Cause"])["ErrorMessage"] == "bad input file"


def test_parallel_fails_with_the_branch_states_error(client):
    queue_url, _ = _queue(client)
    definition = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [{"StartAt": "Job", "States": {"Job": _timing_out_task(queue_url)}}],
                "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "End": True},
        },
    }

    result = _run(client, definition)

    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"])["error"]["Error"] == "States.Timeout"


# --- e. S3 -> EventBridge ----------------------------------------------------------------------------


def _object_created_rule(client, bucket: str, target: dict, bus: str = "default") -> None:
    events = client("events")
    rule = _name("rule")
    pattern = {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [bucket]}, "object": {"key": [{"prefix": "raw/"}]}},
    }
    events.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=rule, EventBusName=bus, Targets=[target])


def _eventbridge_bucket(client) -> str:
    bucket = _bucket(client)
    client("s3").put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    return bucket


def test_s3_object_created_events_have_the_aws_shape(client):
    s3, events = client("s3"), client("events")
    bucket = _eventbridge_bucket(client)
    queue_url, queue_arn = _queue(client)
    _object_created_rule(client, bucket, {"Id": "q", "Arn": queue_arn})
    other_bus = _name("bus")
    events.create_event_bus(Name=other_bus)
    other_url, other_arn = _queue(client)
    _object_created_rule(client, bucket, {"Id": "q", "Arn": other_arn}, bus=other_bus)

    s3.put_object(Bucket=bucket, Key="raw/orders/a.csv", Body=b"abc")
    s3.copy_object(
        Bucket=bucket, Key="raw/orders/b.csv", CopySource={"Bucket": bucket, "Key": "raw/orders/a.csv"}
    )
    upload = s3.create_multipart_upload(Bucket=bucket, Key="raw/orders/c.csv")
    part = s3.upload_part(
        Bucket=bucket, Key="raw/orders/c.csv", UploadId=upload["UploadId"], PartNumber=1, Body=b"x" * 10
    )
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="raw/orders/c.csv",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    )
    s3.put_object(Bucket=bucket, Key="archived/orders/a.csv", Body=b"abc")  # outside the rule's prefix

    delivered = _drain(client, queue_url, expected=3)

    by_key = {e["detail"]["object"]["key"]: e for e in delivered}
    assert len(delivered) == 3, [e["detail"]["reason"] for e in delivered]
    assert {k: e["detail"]["reason"] for k, e in by_key.items()} == {
        "raw/orders/a.csv": "PutObject",
        "raw/orders/b.csv": "CopyObject",
        "raw/orders/c.csv": "CompleteMultipartUpload",
    }
    assert len({e["id"] for e in delivered}) == 3
    put = by_key["raw/orders/a.csv"]
    assert (put["source"], put["detail-type"]) == ("aws.s3", "Object Created")
    assert put["resources"] == [f"arn:aws:s3:::{bucket}"]
    assert put["detail"]["bucket"] == {"name": bucket}
    assert put["detail"]["object"]["size"] == 3
    assert put["detail"]["object"]["etag"] == "900150983cd24fb0d6963f7d28e17f72"  # pragma: allowlist secret
    assert "version-id" not in put["detail"]["object"]  # the bucket is not versioned
    assert _drain(client, other_url, expected=0) == [], "S3 sends to the default event bus only"


def test_s3_upload_starts_the_state_machine_through_eventbridge(client):
    bucket = _eventbridge_bucket(client)
    state_machine = _state_machine(client, ECHO)
    _object_created_rule(client, bucket, {"Id": "pipeline", "Arn": state_machine, "RoleArn": ROLE})

    client("s3").put_object(Bucket=bucket, Key="archived/orders/old.csv", Body=b"old")
    client("s3").put_object(Bucket=bucket, Key="raw/orders/new.csv", Body=b"id\n1\n")
    (execution,) = _executions(client, state_machine, 1)
    time.sleep(0.3)

    assert len(client("stepfunctions").list_executions(stateMachineArn=state_machine)["executions"]) == 1
    event = json.loads(execution["input"])
    assert event["detail-type"] == "Object Created"
    assert event["detail"]["object"]["key"] == "raw/orders/new.csv"
    assert event["detail"]["reason"] == "PutObject"
    assert datetime.datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ")


# --- f. where the integrations call ------------------------------------------------------------------


def test_set_port_points_the_integrations_at_our_server(client, moto_endpoint):
    import os

    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk,
    )

    port = int(moto_endpoint.rsplit(":", 1)[1])
    integration_client = state_task_service_aws_sdk.boto_client_for(region=REGION, service="s3")
    bucket = _bucket(client)
    definition = {
        "StartAt": "List",
        "States": {
            "List": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:listObjectsV2",
                "Parameters": {"Bucket": bucket},
                "End": True,
            }
        },
    }

    result = _run(client, definition)

    assert integration_client.meta.endpoint_url == f"http://127.0.0.1:{port}"
    assert os.environ["MOTO_PORT"] == str(port)
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"])["Name"] == bucket


def test_install_is_idempotent():
    from moto.events.models import Rule

    patched = Rule.send_to_targets
    moto_fixes.install()
    assert Rule.send_to_targets is patched


# --- g. aws-sdk error names --------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["getObject", "headObject", "copyObject"])
def test_aws_sdk_s3_missing_key_is_s3_no_such_key_exception(client, action):
    bucket = _bucket(client)
    parameters = {"Bucket": bucket, "Key": "raw/missing.csv"}
    if action == "copyObject":  # the archive's move: the source is what is missing
        parameters = {"Bucket": bucket, "Key": "archived/x.csv", "CopySource": f"{bucket}/raw/missing.csv"}
    definition = {
        "StartAt": "Read",
        "States": {
            "Read": {
                "Type": "Task",
                "Resource": f"arn:aws:states:::aws-sdk:s3:{action}",
                "Parameters": parameters,
                "Catch": [
                    {"ErrorEquals": ["S3.NoSuchKeyException"], "ResultPath": "$.error", "Next": "Missing"}
                ],
                "End": True,
            },
            "Missing": {"Type": "Pass", "End": True},
        },
    }

    result = _run(client, definition)

    assert result["status"] == "SUCCEEDED", result
    error = json.loads(result["output"])["error"]
    assert error["Error"] == "S3.NoSuchKeyException"
    assert "Service: S3" in error["Cause"]


@pytest.mark.parametrize(
    ("resource", "error_name"),
    [
        # moto 5.2.5 already names these as AWS does: checked here, no fix.
        ("arn:aws:states:::dynamodb:putItem", "DynamoDB.ConditionalCheckFailedException"),
        ("arn:aws:states:::aws-sdk:dynamodb:putItem", "DynamoDb.ConditionalCheckFailedException"),
    ],
)
def test_dynamodb_conditional_check_failure_names(client, resource, error_name):
    ddb = client("dynamodb")
    table = _name("locks")
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName=table, Item={"pk": {"S": "pipeline"}})
    definition = {
        "StartAt": "Lock",
        "States": {
            "Lock": {
                "Type": "Task",
                "Resource": resource,
                "Parameters": {
                    "TableName": table,
                    "Item": {"pk": {"S": "pipeline"}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                },
                "Catch": [{"ErrorEquals": [error_name], "ResultPath": "$.error", "Next": "Held"}],
                "End": True,
            },
            "Held": {"Type": "Pass", "End": True},
        },
    }

    result = _run(client, definition)

    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"])["error"]["Error"] == error_name


# --- h. Athena request-response ----------------------------------------------------------------------


def test_athena_request_response_integrations_are_forwarded(client):
    bucket = _bucket(client)
    definition = {
        "StartAt": "Start",
        "States": {
            "Start": {
                "Type": "Task",
                "Resource": "arn:aws:states:::athena:startQueryExecution",
                "Parameters": {
                    "QueryString": "select 1",
                    "WorkGroup": "primary",
                    "ResultConfiguration": {"OutputLocation": f"s3://{bucket}/results/"},
                },
                "ResultPath": "$.start",
                "Next": "Get",
            },
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::athena:getQueryExecution",
                "Parameters": {"QueryExecutionId.$": "$.start.QueryExecutionId"},
                "ResultPath": "$.get",
                "Next": "Done?",
            },
            "Done?": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Variable": "$.get.QueryExecution.Status.State",
                        "StringEquals": "SUCCEEDED",
                        "Next": "Results",
                    },
                    {
                        "Variable": "$.get.QueryExecution.Status.State",
                        "StringEquals": "FAILED",
                        "Next": "Failed",
                    },
                ],
                "Default": "Wait",
            },
            "Wait": {"Type": "Wait", "Seconds": 1, "Next": "Get"},
            "Failed": {"Type": "Fail", "Error": "QueryFailed"},
            "Results": {
                "Type": "Task",
                "Resource": "arn:aws:states:::athena:getQueryResults",
                "Parameters": {"QueryExecutionId.$": "$.start.QueryExecutionId"},
                "ResultPath": "$.results",
                "End": True,
            },
        },
    }

    result = _run(client, definition)

    assert result["status"] == "SUCCEEDED", result
    output = json.loads(result["output"])
    query = output["get"]["QueryExecution"]
    assert query["QueryExecutionId"] == output["start"]["QueryExecutionId"]
    assert query["Query"] == "select 1"
    assert query["Status"]["State"] == "SUCCEEDED"
    assert isinstance(query["Status"]["SubmissionDateTime"], str)  # a datetime before fix b: HTTP 500
    assert set(output["results"]["ResultSet"]) >= {"Rows", "ResultSetMetadata"}


def test_athena_errors_are_named_after_the_service(client, moto_endpoint):
    bucket = _bucket(client)
    definition = {
        "StartAt": "Start",
        "States": {
            "Start": {
                "Type": "Task",
                "Resource": "arn:aws:states:::athena:startQueryExecution",
                "Parameters": {
                    "QueryString": "select 1",
                    "WorkGroup": "primary",
                    "ResultConfiguration": {"OutputLocation": f"s3://{bucket}/results/"},
                },
                "Next": "Results",
            },
            "Results": {
                "Type": "Task",
                "Resource": "arn:aws:states:::athena:getQueryResults",
                "Parameters": {"QueryExecutionId.$": "$.QueryExecutionId"},
                "Catch": [
                    {
                        "ErrorEquals": ["Athena.InvalidRequestException"],
                        "ResultPath": "$.error",
                        "Next": "Early",
                    }
                ],
                "End": True,
            },
            "Early": {"Type": "Pass", "End": True},
        },
    }
    # moto's own state transitions: the query stays QUEUED, so its results are asked for too early.
    transition = {"progression": "manual", "times": 1000}
    _moto_api(
        moto_endpoint,
        "state-manager/set-transition",
        {"model_name": "athena::execution", "transition": transition},
    )
    try:
        result = _run(client, definition)
    finally:
        _moto_api(moto_endpoint, "state-manager/unset-transition", {"model_name": "athena::execution"})

    assert result["status"] == "SUCCEEDED", result
    error = json.loads(result["output"])["error"]
    assert error["Error"] == "Athena.InvalidRequestException"
    assert error["Cause"].startswith(
        "Query has not yet finished. Current state: QUEUED (Service: AmazonAthena;"
    )


# --- i. Distributed Map ------------------------------------------------------------------------------


def test_distributed_map_reads_a_json_array_from_s3(client):
    bucket = _bucket(client)
    items = [{"dataset": d} for d in ("products", "orders", "order_items")]
    client("s3").put_object(Bucket=bucket, Key="manifests/run.json", Body=json.dumps(items).encode())
    definition = {
        "StartAt": "PerDataset",
        "States": {
            "PerDataset": {
                "Type": "Map",
                "MaxConcurrency": 2,
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSON"},
                    "Parameters": {"Bucket": bucket, "Key": "manifests/run.json"},
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Tag",
                    "States": {
                        "Tag": {
                            "Type": "Pass",
                            "Parameters": {"job.$": "States.Format('bronze-{}', $.dataset)"},
                            "End": True,
                        }
                    },
                },
                "End": True,
            }
        },
    }

    result = _run(client, definition)

    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"]) == [
        {"job": "bronze-products"},
        {"job": "bronze-orders"},
        {"job": "bronze-order_items"},
    ]
    map_runs = client("stepfunctions").list_map_runs(executionArn=result["executionArn"])["mapRuns"]
    assert len(map_runs) == 1


def test_aws_sdk_members_are_pascal_case_both_ways(client):
    """j: sfn's API is camelCase (executionArn, status); its aws-sdk integration is PascalCase."""
    earlier = _run(client, ECHO)
    definition = {
        "StartAt": "Describe",
        "States": {
            "Describe": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sfn:describeExecution",
                "Parameters": {"ExecutionArn.$": "$.arn"},
                "ResultSelector": {"status.$": "$.Status"},
                "End": True,
            }
        },
    }
    described = _run(client, definition, {"arn": earlier["executionArn"]})
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == {"status": "SUCCEEDED"}


def test_an_sse_kms_object_reports_its_algorithm_but_not_the_key_id(client):
    """k: S3A over plain HTTP cannot copy an object whose key id it is told."""
    bucket, key = _bucket(client), client("kms").create_key()["KeyMetadata"]["Arn"]
    s3 = client("s3")
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}
            ]
        },
    )
    s3.put_object(Bucket=bucket, Key="a.csv", Body=b"x")
    head = s3.head_object(Bucket=bucket, Key="a.csv")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert "SSEKMSKeyId" not in head


def test_a_definite_path_through_array_elements_selects_one_value(client):
    """l: Athena's GetQueryResults is read with such a path (first column of the first data row)."""
    definition = {
        "StartAt": "Pick",
        "States": {
            "Pick": {
                "Type": "Pass",
                "Parameters": {"one.$": "$.rows[1].data[0].v", "all.$": "$.rows[*].data[0].v"},
                "End": True,
            }
        },
    }
    rows = {"rows": [{"data": [{"v": "failures"}]}, {"data": [{"v": "0"}]}]}
    described = _run(client, definition, rows)
    assert json.loads(described["output"]) == {"one": "0", "all": ["failures", "0"]}
