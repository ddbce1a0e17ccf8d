"""orchestration.local.eventbridge on a live server: rules start executions through their target's
role, publish to topics their policy opens, dead-letter what they cannot deliver, and executions
send their status changes."""

from __future__ import annotations

import datetime
import json
import time

import pytest
from botocore.exceptions import ClientError

from tests.orchestration.local.conftest import REGION
from tests.orchestration.local.test_moto_fixes import (
    ECHO,
    ROLE,
    _executions,
    _name,
    _queue,
    _state_machine,
    _wait,
)

ACCOUNT = "123456789012"
FAIL = {"StartAt": "Fail", "States": {"Fail": {"Type": "Fail", "Error": "Boom", "Cause": "on purpose"}}}


def _role(client, trust: dict, actions: list[str], resource: str = "*") -> str:
    name = _name("role")
    iam = client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}],
    }
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    return arn


def _trust(service: str = "events.amazonaws.com", condition: dict | None = None) -> dict:
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def _rule(client, pattern: dict, target: dict) -> str:
    events = client("events")
    name = _name("rule")
    arn = events.put_rule(Name=name, EventPattern=json.dumps(pattern))["RuleArn"]
    events.put_targets(Rule=name, Targets=[target])
    return arn


def _events_may(action: str, resource: str, rule_arn: str) -> dict:
    """A resource policy that lets EventBridge do `action` on `resource` for one rule."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": action,
        "Resource": resource,
        "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
    }
    return {"Version": "2012-10-17", "Statement": [statement]}


def _dead_letter_queue(client, rule_arn: str | None) -> tuple[str, str]:
    """A queue EventBridge may send to for `rule_arn` (None: no queue policy)."""
    url, arn = _queue(client)
    if rule_arn:
        policy = _events_may("sqs:SendMessage", arn, rule_arn)
        client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    return url, arn


def _messages(client, queue_url: str, expected: int, seconds: float = 5) -> list[dict]:
    sqs = client("sqs")
    found: list[dict] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(found) < expected:
        found += sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
        ).get("Messages", [])
        time.sleep(0.1)
    time.sleep(0.3)  # and nothing more
    found += sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", [])
    return found


def _drop(client) -> None:
    client("events").put_events(
        Entries=[
            {"Source": "lakehouse.test", "DetailType": "Drop", "Detail": json.dumps({"key": "raw/a.csv"})}
        ]
    )


DROP = {"source": ["lakehouse.test"], "detail-type": ["Drop"]}


def test_put_events_starts_the_target_state_machine_with_the_event(client):
    events = client("events")
    state_machine = _state_machine(client, ECHO)
    rule = _name("rule")
    events.put_rule(
        Name=rule, EventPattern=json.dumps({"source": ["lakehouse.test"], "detail-type": ["Drop"]})
    )
    events.put_targets(
        Rule=rule,
        Targets=[
            {"Id": "whole", "Arn": state_machine, "RoleArn": ROLE},
            {"Id": "path", "Arn": state_machine, "RoleArn": ROLE, "InputPath": "$.detail"},
            {"Id": "constant", "Arn": state_machine, "RoleArn": ROLE, "Input": '{"manual": true}'},
            {
                "Id": "transformed",
                "Arn": state_machine,
                "RoleArn": ROLE,
                "InputTransformer": {
                    "InputPathsMap": {"key": "$.detail.key"},
                    "InputTemplate": '{"trigger": "event", "key": "<key>"}',
                },
            },
        ],
    )

    sent = events.put_events(
        Entries=[
            {"Source": "lakehouse.test", "DetailType": "Drop", "Detail": json.dumps({"key": "raw/a.csv"})}
        ]
    )
    executions = _executions(client, state_machine, 4)

    assert sent["FailedEntryCount"] == 0
    inputs = [json.loads(e["input"]) for e in executions]
    assert all(e["status"] == "SUCCEEDED" for e in executions)
    whole = next(i for i in inputs if "detail-type" in i)
    assert whole["id"] == sent["Entries"][0]["EventId"]
    assert whole["source"] == "lakehouse.test"
    assert whole["detail"] == {"key": "raw/a.csv"}
    assert whole["account"] == "123456789012" and whole["region"] == REGION
    assert datetime.datetime.strptime(whole["time"], "%Y-%m-%dT%H:%M:%SZ")
    assert "ingestion-time" not in whole
    assert {"key": "raw/a.csv"} in inputs
    assert {"manual": True} in inputs
    assert {"trigger": "event", "key": "raw/a.csv"} in inputs


def test_events_not_matching_the_rule_start_nothing(client):
    events = client("events")
    state_machine = _state_machine(client, ECHO)
    rule = _name("rule")
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["lakehouse.other"]}))
    events.put_targets(Rule=rule, Targets=[{"Id": "sm", "Arn": state_machine, "RoleArn": ROLE}])

    sent = events.put_events(Entries=[{"Source": "lakehouse.test", "DetailType": "Drop", "Detail": "{}"}])
    time.sleep(0.3)

    assert sent["FailedEntryCount"] == 0
    assert client("stepfunctions").list_executions(stateMachineArn=state_machine)["executions"] == []


def _dead_lettered_target(client, state_machine: str, role: str) -> tuple[str, str]:
    """A rule whose state machine target acts with `role` and dead-letters to a queue; (rule, queue)."""
    rule_name = _name("rule")
    events = client("events")
    rule = events.put_rule(Name=rule_name, EventPattern=json.dumps(DROP))["RuleArn"]
    queue_url, queue_arn = _dead_letter_queue(client, rule)
    target = {"Id": "pipeline", "Arn": state_machine, "RoleArn": role, "DeadLetterConfig": {"Arn": queue_arn}}
    events.put_targets(Rule=rule_name, Targets=[target])
    return rule, queue_url


def test_a_state_machine_target_without_a_role_is_refused_as_eventbridge_refuses_it(client):
    state_machine = _state_machine(client, ECHO)
    events, rule_name = client("events"), _name("rule")
    events.put_rule(Name=rule_name, EventPattern=json.dumps(DROP))
    with pytest.raises(ClientError) as refused:
        events.put_targets(Rule=rule_name, Targets=[{"Id": "pipeline", "Arn": state_machine}])
    error = refused.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"] == f"RoleArn is required for target {state_machine}."
    assert events.list_targets_by_rule(Rule=rule_name)["Targets"] == []


@pytest.mark.parametrize(
    ("trust", "actions", "code"),
    [
        (_trust(), ["states:DescribeExecution"], "NO_PERMISSIONS"),
        (_trust("states.amazonaws.com"), ["states:StartExecution"], "FAILED_TO_ASSUME_ROLE"),
        (
            _trust(condition={"StringEquals": {"aws:SourceAccount": "210987654321"}}),
            ["states:StartExecution"],
            "FAILED_TO_ASSUME_ROLE",
        ),
    ],
    ids=["no-start-execution", "trusts-states-only", "trusts-another-account"],
)
def test_a_target_role_that_cannot_start_the_execution_dead_letters_the_event(client, trust, actions, code):
    state_machine = _state_machine(client, ECHO)
    rule, queue_url = _dead_lettered_target(client, state_machine, _role(client, trust, actions))

    _drop(client)
    (message,) = _messages(client, queue_url, expected=1)

    assert client("stepfunctions").list_executions(stateMachineArn=state_machine)["executions"] == []
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == code
    assert (attributes["RULE_ARN"], attributes["TARGET_ARN"]) == (rule, state_machine)
    if code == "NO_PERMISSIONS":
        assert f"states:StartExecution on resource: {state_machine}" in attributes["ERROR_MESSAGE"]
    assert json.loads(message["Body"])["detail"] == {"key": "raw/a.csv"}


def test_a_role_that_trusts_eventbridge_for_this_account_starts_the_execution(client):
    state_machine = _state_machine(client, ECHO)
    trust = _trust(condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}})
    role = _role(client, trust, ["states:StartExecution"], resource=state_machine)
    _, queue_url = _dead_lettered_target(client, state_machine, role)

    _drop(client)
    (execution,) = _executions(client, state_machine, 1)

    assert execution["status"] == "SUCCEEDED"
    assert _messages(client, queue_url, expected=0, seconds=0.5) == []


def test_an_event_whose_dead_letter_queue_does_not_let_eventbridge_send_is_dropped(client):
    state_machine = _state_machine(client, ECHO)
    queue_url, queue_arn = _dead_letter_queue(client, rule_arn=None)
    untrusting = _role(client, _trust("states.amazonaws.com"), ["states:StartExecution"])
    target = {"Id": "p", "Arn": state_machine, "RoleArn": untrusting, "DeadLetterConfig": {"Arn": queue_arn}}
    _rule(client, DROP, target)

    _drop(client)

    assert _messages(client, queue_url, expected=0, seconds=1) == []


# --- Step Functions status changes, and SNS targets ------------------------------------------------


def _status_pattern(state_machine: str, statuses: list[str]) -> dict:
    return {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {"stateMachineArn": [state_machine], "status": statuses},
    }


def _status_rule(client, state_machine: str, statuses: list[str], target: dict) -> str:
    return _rule(client, _status_pattern(state_machine, statuses), target)


def test_an_ended_execution_sends_its_status_change_in_the_aws_shape(client):
    state_machine = _state_machine(client, FAIL)
    queue_url, queue_arn = _queue(client)
    _status_rule(client, state_machine, ["FAILED", "SUCCEEDED"], {"Id": "q", "Arn": queue_arn})

    started = client("stepfunctions").start_execution(stateMachineArn=state_machine, input='{"a": 1}')
    _wait(client, started["executionArn"])
    (message,) = _messages(client, queue_url, expected=1)

    event = json.loads(message["Body"])
    assert (event["source"], event["detail-type"]) == ("aws.states", "Step Functions Execution Status Change")
    assert (event["account"], event["region"]) == (ACCOUNT, REGION)
    assert event["resources"] == [started["executionArn"]]
    detail = event["detail"]
    assert detail["executionArn"] == started["executionArn"]
    assert detail["stateMachineArn"] == state_machine
    assert (detail["status"], detail["error"], detail["cause"]) == ("FAILED", "Boom", "on purpose")
    assert json.loads(detail["input"]) == {"a": 1}
    assert detail["output"] is None
    assert detail["stopDate"] >= detail["startDate"] > 0
    assert datetime.datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ")


def _topic(client, rule_arn_allowed: str) -> tuple[str, str]:
    """A topic whose policy lets EventBridge publish for `rule_arn_allowed`, and a queue subscribed."""
    sns = client("sns")
    topic = sns.create_topic(Name=_name("alerts"))["TopicArn"]
    policy = _events_may("sns:Publish", topic, rule_arn_allowed)
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(policy))
    url, arn = _queue(client)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    return topic, url


@pytest.mark.parametrize("policy_names_the_rule", [True, False])
def test_a_failed_execution_alerts_through_a_topic_that_lets_the_rule_publish(client, policy_names_the_rule):
    state_machine = _state_machine(client, FAIL)
    rule_name = _name("rule")
    events = client("events")
    pattern = _status_pattern(state_machine, ["FAILED"])
    rule = events.put_rule(Name=rule_name, EventPattern=json.dumps(pattern))["RuleArn"]
    topic, alerts_url = _topic(client, rule if policy_names_the_rule else f"{rule}-other")
    dlq_url, dlq_arn = _dead_letter_queue(client, rule)
    events.put_targets(
        Rule=rule_name,
        Targets=[
            {
                "Id": "alert",
                "Arn": topic,
                "DeadLetterConfig": {"Arn": dlq_arn},
                "InputTransformer": {
                    "InputPathsMap": {"execution": "$.detail.executionArn", "status": "$.detail.status"},
                    "InputTemplate": '"Execution <execution> ended <status>"',
                },
            }
        ],
    )

    started = client("stepfunctions").start_execution(stateMachineArn=state_machine)
    _wait(client, started["executionArn"])

    alerts = _messages(client, alerts_url, expected=1 if policy_names_the_rule else 0)
    dead = _messages(client, dlq_url, expected=0 if policy_names_the_rule else 1)
    if policy_names_the_rule:
        assert [m["Body"] for m in alerts] == [f'"Execution {started["executionArn"]} ended FAILED"']
        assert dead == []
    else:
        assert alerts == []
        (message,) = dead
        assert message["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "NO_PERMISSIONS"
