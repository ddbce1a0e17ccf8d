"""EventBridge starts the pipeline with the template's trigger role on the local runtime
(orchestration.local.eventbridge): without the role's one statement, an upload starts no execution
and its event lands in the trigger's dead-letter queue, with the error EventBridge records. The
role as deployed starts every run of the pipeline tests (their drops start their executions)."""

from __future__ import annotations

import json
import time

from tests.orchestration.pipeline import deployed


def _dead_letters(target, seconds: float = 10) -> list[dict]:
    sqs = target.client("sqs")
    url = sqs.get_queue_url(QueueName=f"lakehouse-{target.env}-trigger-dlq")["QueueUrl"]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"]).get("Messages", [])
        if found:
            return found
        time.sleep(0.2)
    return []


def test_a_trigger_role_without_start_execution_dead_letters_the_upload(aws):
    target = deployed(aws, "trigger")
    role = f"lakehouse-{target.env}-trigger"
    target.client("iam").delete_role_policy(RoleName=role, PolicyName="start-the-pipeline")

    key = "raw/orders/2025-04-01.csv"
    target.client("s3").put_object(Bucket=target.outputs["RawBucket"], Key=key, Body=b"order_id\n1\n")
    (message,) = _dead_letters(target)

    sfn = target.client("stepfunctions")
    assert sfn.list_executions(stateMachineArn=target.outputs["StateMachineArn"])["executions"] == []
    attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "NO_PERMISSIONS"
    assert attributes["TARGET_ARN"] == target.outputs["StateMachineArn"]
    assert attributes["RULE_ARN"].endswith(f":rule/lakehouse-{target.env}-raw-object-created")
    assert f"assumed-role/{role}/" in attributes["ERROR_MESSAGE"]
    assert "states:StartExecution" in attributes["ERROR_MESSAGE"]
    assert json.loads(message["Body"])["detail"]["object"]["key"] == key
