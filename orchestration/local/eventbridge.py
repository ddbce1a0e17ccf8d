"""EventBridge on the local runtime as AWS delivers (moto 5.2.5 delivers to SQS, logs, archives,
buses and API destinations only, and Step Functions sends it no events):

- **Step Functions targets** need a RoleArn (PutTargets refuses one without, with AWS's
  ValidationException), and start an execution as EventBridge does: through that role, which must
  trust events.amazonaws.com (conditions on aws:SourceAccount / aws:SourceArn evaluated)
  and allow states:StartExecution on the state machine.
- **SNS targets** publish when the topic's policy lets events.amazonaws.com publish for the rule.
- **A failed delivery** (no role, a role that does not trust EventBridge, a missing permission, a
  missing topic) is not retried, as AWS does not retry permission errors: the event goes straight
  to the target's dead-letter queue, when the queue's policy lets EventBridge send for the rule, with
  the attributes AWS sets (RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE). Without a DLQ it is
  dropped. Either way it is logged, and the event's sender (S3, PutEvents) never fails.
- **Step Functions Execution Status Change** events go to the default bus when an execution ends
  (SUCCEEDED, FAILED, TIMED_OUT, ABORTED), in AWS's shape; RUNNING is not sent.

Other targets go through moto's code unchanged. A KMS-encrypted queue or topic is written without
checking the key policy (see the README's list of what is not enforced)."""

from __future__ import annotations

import copy
import datetime
import json
import logging
import uuid
from typing import Any

from jsonpath_ng.ext import parse
from moto.events.exceptions import ValidationException
from moto.events.models import EventsBackend, Rule, events_backends
from moto.events.utils import EventTemplateParser
from moto.sns.models import sns_backends
from moto.sqs.models import sqs_backends
from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication
from moto.stepfunctions.responses import get_backend

from orchestration.local import trust

LOG = logging.getLogger(__name__)

EVENTS = "events.amazonaws.com"
STATUS_CHANGE = "Step Functions Execution Status Change"


class Undelivered(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


def install() -> None:
    """Patch moto's targets, rule delivery and execution end (call once, from moto_fixes.install)."""
    _require_target_roles()
    _deliver_states_and_sns_targets()
    _send_execution_status_changes()


def _require_target_roles() -> None:
    """PutTargets (and a template's rule) refuses a state machine target without RoleArn, as
    EventBridge does: it starts executions only through a role. moto accepted it."""
    original = EventsBackend.put_targets

    def put_targets(self, name, event_bus_arn, targets):
        for target in targets:
            if (
                ":states:" in target["Arn"]
                and ":stateMachine:" in target["Arn"]
                and not target.get("RoleArn")
            ):
                raise ValidationException(f"RoleArn is required for target {target['Arn']}.")
        return original(self, name, event_bus_arn, targets)

    EventsBackend.put_targets = put_targets


def to_default_bus(account: str, region: str, event: dict[str, Any]) -> None:
    """Offer an AWS service's event to every rule of the account's default bus (as S3 and Step
    Functions send theirs); each rule matches its pattern itself."""
    default_bus = events_backends[account][region].event_buses.get("default")
    for rule in list(default_bus.rules.values()) if default_bus else []:
        rule.send_to_targets(event, transform_input=False)


def _iso_time(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        moment = datetime.datetime.fromtimestamp(value, tz=datetime.UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def _delivered_event(event: dict[str, Any]) -> dict[str, Any]:
    """The event as EventBridge delivers it: moto's internal ingestion-time dropped, time in ISO-8601."""
    delivered = copy.deepcopy(dict(event))
    delivered.pop("ingestion-time", None)
    if "time" in delivered:
        delivered["time"] = _iso_time(delivered["time"])
    return delivered


def _target_body(rule, target: dict[str, Any], event: dict[str, Any]) -> str:
    """What the target receives, as text: its Input, the InputPath's value, the InputTransformer's
    template with each placeholder filled (the text exactly, so a template in quotes arrives in
    quotes, as on AWS), or the delivered event."""
    if target.get("Input") is not None:
        return target["Input"]
    if target.get("InputPath"):
        matches = parse(target["InputPath"]).find(event)
        return json.dumps(matches[0].value if matches else None)
    transformer = target.get("InputTransformer")
    if not transformer:
        return json.dumps(event)
    text = transformer["InputTemplate"]
    for name, path in (transformer.get("InputPathsMap") or {}).items():
        matches = parse(path).find(event)
        value = EventTemplateParser._stringify(matches[0].value) if matches else ""
        text = text.replace(f"<{name}>", value)
    predefined = {
        "aws.events.rule-arn": rule.arn,
        "aws.events.rule-name": rule.name,
        "aws.events.event.ingestion-time": str(event.get("time")),
        "aws.events.event.json": json.dumps(event),
    }
    for name, value in predefined.items():
        text = text.replace(f"<{name}>", value)
    return text


def _service(arn: str) -> str:
    parts = arn.split(":")
    if len(parts) >= 7 and parts[2] == "states" and parts[5] == "stateMachine":
        return "states"
    return "sns" if len(parts) == 6 and parts[2] == "sns" else ""


def _start_execution(rule, target: dict[str, Any], body: str, context: dict[str, str]) -> None:
    arn = target["Arn"]
    error = trust.service_role_error(target.get("RoleArn"), EVENTS, context, "states:StartExecution", arn)
    if error:
        raise Undelivered(*error)
    _, _, _, region, account, *_ = arn.split(":")
    backend = get_backend(account, region)
    try:
        backend.start_execution(state_machine_arn=arn, name=str(uuid.uuid4()), execution_input=body)
    except Exception as exc:  # noqa: BLE001 - the service's answer, as EventBridge records it
        raise Undelivered("ERROR_FROM_TARGET", str(exc)) from exc


def _publish(rule, target: dict[str, Any], body: str, context: dict[str, str]) -> None:
    arn = target["Arn"]
    _, _, _, region, account, _ = arn.split(":")
    topic = sns_backends[account][region].topics.get(arn)
    if topic is None:
        raise Undelivered("NO_RESOURCE", f"Topic {arn} does not exist")
    if not trust.service_allowed(topic.policy, EVENTS, "sns:Publish", arn, context):
        raise Undelivered(
            "NO_PERMISSIONS", f"The policy of {arn} does not let {EVENTS} publish for {rule.arn}"
        )
    topic.publish(body)


def _dead_letter(rule, target: dict[str, Any], event: dict[str, Any], failure: Undelivered) -> None:
    LOG.warning("rule %s did not deliver an event to %s: %s", rule.arn, target.get("Arn"), failure)
    queue_arn = (target.get("DeadLetterConfig") or {}).get("Arn")
    if not queue_arn:
        return
    _, _, _, region, account, name = queue_arn.split(":")
    queue = sqs_backends[account][region].queues.get(name)
    context = {"aws:SourceArn": rule.arn, "aws:SourceAccount": rule.account_id}
    if queue is None or not trust.service_allowed(
        queue.policy, EVENTS, "sqs:SendMessage", queue_arn, context
    ):
        LOG.warning("rule %s could not send the event to its dead-letter queue %s", rule.arn, queue_arn)
        return
    attributes = {
        "RULE_ARN": rule.arn,
        "TARGET_ARN": target["Arn"],
        "ERROR_CODE": failure.code,
        "ERROR_MESSAGE": failure.message,
    }
    sqs_backends[account][region].send_message(
        name,
        json.dumps(event),
        message_attributes={k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()},
    )


def _deliver_states_and_sns_targets() -> None:
    original = Rule.send_to_targets
    deliveries = {"states": _start_execution, "sns": _publish}

    def send_to_targets(self, original_event, transform_input: bool = True) -> None:
        ours = [t for t in self.targets if _service(t.get("Arn", ""))]
        others = [t for t in self.targets if t not in ours]
        if ours and self.state != "DISABLED" and self.event_pattern.matches_event(original_event):
            event = _delivered_event(original_event)
            context = {"aws:SourceArn": self.arn, "aws:SourceAccount": self.account_id}
            for target in ours:
                try:
                    deliver = deliveries[_service(target["Arn"])]
                    deliver(self, target, _target_body(self, target, event), context)
                except Undelivered as failure:
                    _dead_letter(self, target, event, failure)
                except Exception as exc:  # noqa: BLE001 - delivery fails apart from its sender on AWS
                    _dead_letter(self, target, event, Undelivered("UNKNOWN", repr(exc)))
        if others:
            rest = copy.copy(self)
            rest.targets = others
            original(rest, original_event, transform_input)

    Rule.send_to_targets = send_to_targets


def _millis(moment: Any) -> int | None:
    return int(moment.timestamp() * 1000) if moment else None


def status_change_event(execution) -> dict[str, Any]:
    """The Step Functions Execution Status Change event of an execution that ended."""
    status = getattr(execution.exec_status, "value", execution.exec_status)
    output = execution.output
    detail = {
        "executionArn": execution.exec_arn,
        "stateMachineArn": execution.state_machine_arn,
        "name": execution.name,
        "status": status,
        "startDate": _millis(execution.start_date),
        "stopDate": _millis(execution.stop_date),
        "input": json.dumps(execution.input_data),
        "output": None if output is None else (output if isinstance(output, str) else json.dumps(output)),
        "inputDetails": {"included": True},
        "outputDetails": {"included": output is not None},
        "error": execution.error,
        "cause": execution.cause,
    }
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": STATUS_CHANGE,
        "source": "aws.states",
        "account": execution.account_id,
        "time": (execution.stop_date or datetime.datetime.now(tz=datetime.UTC)).timestamp(),
        "region": execution.region_name,
        "resources": [execution.exec_arn],
        "detail": detail,
    }


def _send_execution_status_changes() -> None:
    original = BaseExecutionWorkerCommunication.terminated

    def terminated(self) -> None:
        original(self)
        execution = self.execution
        try:
            to_default_bus(execution.account_id, execution.region_name, status_change_event(execution))
        except Exception:  # noqa: BLE001 - delivery is asynchronous on AWS: never fail the execution
            LOG.warning("status change of %s not sent to EventBridge", execution.exec_arn, exc_info=True)

    BaseExecutionWorkerCommunication.terminated = terminated
