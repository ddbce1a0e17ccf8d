"""AWS::StepFunctions::StateMachine as AWS's resource handler makes it: Definition (an object),
DefinitionString or DefinitionS3Location, plus DefinitionSubstitutions; the machine lands in the
backend that executes it when execution is enabled, and an update changes its definition in place."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml
from moto.cloudformation.exceptions import ValidationError
from moto.s3.models import s3_backends
from moto.stepfunctions import responses as sfn_responses
from moto.stepfunctions.models import StateMachine, stepfunctions_backends
from moto.stepfunctions.parser.models import stepfunctions_parser_backends
from moto.stepfunctions.utils import cfn_to_api_tags
from moto.utilities.utils import get_partition

from orchestration.local.cfn.base import as_text


def install() -> None:
    StateMachine.create_from_cloudformation_json = classmethod(_create_machine)
    StateMachine.update_from_cloudformation_json = classmethod(_update_machine)
    StateMachine.delete_from_cloudformation_json = classmethod(_delete_machine)


def _substituted(text: str, substitutions: dict[str, Any]) -> str:
    """`${Key}` -> value, repeated while a value brings new placeholders (AWS's
    StringUtils.replaceEachRepeatedly); an unknown `${Name}` stays as written."""
    if not substitutions:
        return text
    values = {"${" + key + "}": as_text(value) for key, value in substitutions.items()}
    pattern = re.compile(
        "|".join(re.escape(placeholder) for placeholder in sorted(values, key=len, reverse=True))
    )
    for _ in range(len(values) + 1):
        replaced = pattern.sub(lambda match: values[match.group(0)], text)
        if replaced == text:
            return text
        text = replaced
    raise ValidationError(message="DefinitionSubstitutions refer to each other in a loop")


def _definition(properties: dict[str, Any], account_id: str, region_name: str) -> str:
    """The definition as AWS's resource handler builds it: exactly one of Definition (serialised
    with sorted keys), DefinitionString or DefinitionS3Location, then DefinitionSubstitutions."""
    given = [key for key in ("Definition", "DefinitionString", "DefinitionS3Location") if key in properties]
    if len(given) != 1:
        raise ValidationError(
            message="Exactly one of Definition, DefinitionString or DefinitionS3Location is required; "
            f"got {given or 'none'}"
        )
    substitutions = properties.get("DefinitionSubstitutions") or {}
    if "Definition" in properties:
        text = json.dumps(properties["Definition"], indent=2, sort_keys=True)
    elif "DefinitionString" in properties:
        text = properties["DefinitionString"]
    else:
        location = properties["DefinitionS3Location"]
        backend = s3_backends[account_id][get_partition(region_name)]
        key = backend.get_object(location["Bucket"], location["Key"], version_id=location.get("Version"))
        if key is None:
            raise ValidationError(message=f"No definition at s3://{location['Bucket']}/{location['Key']}")
        text = _substituted(key.value.decode("utf-8"), substitutions)
        return json.dumps(yaml.safe_load(text), indent=2, sort_keys=True)
    return _substituted(text, substitutions)


def _state_machine_backend(account_id: str, region_name: str, arn: str | None = None) -> Any:
    """The backend the Step Functions API serves from (the executing one when execution is enabled);
    for an existing ARN, whichever backend holds it."""
    serving = sfn_responses.get_backend(account_id, region_name)
    if arn is None:
        return serving
    for backend in (
        serving,
        stepfunctions_parser_backends[account_id][region_name],
        stepfunctions_backends[account_id][region_name],
    ):
        if any(machine.arn == arn for machine in backend.state_machines):
            return backend
    return serving


def _state_machine_settings(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "loggingConfiguration": _lower_first(properties.get("LoggingConfiguration")),
        "tracingConfiguration": _lower_first(properties.get("TracingConfiguration")),
        "encryptionConfiguration": _lower_first(properties.get("EncryptionConfiguration")),
    }


def _lower_first(value: Any) -> Any:
    """CloudFormation's PascalCase keys as the Step Functions API's camelCase keys."""
    if isinstance(value, dict):
        return {key[:1].lower() + key[1:]: _lower_first(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_lower_first(item) for item in value]
    return value


def _create_machine(
    cls: type,
    resource_name: str,
    cloudformation_json: Any,
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> StateMachine:
    properties = cloudformation_json["Properties"]
    return _state_machine_backend(account_id, region_name).create_state_machine(
        properties.get("StateMachineName", resource_name),
        _definition(properties, account_id, region_name),
        properties.get("RoleArn", ""),
        tags=cfn_to_api_tags(properties.get("Tags", [])),
        sm_type=properties.get("StateMachineType"),
        **_state_machine_settings(properties),
    )


def _update_machine(
    cls: type,
    original_resource: StateMachine,
    new_resource_name: str,
    cloudformation_json: Any,
    account_id: str,
    region_name: str,
) -> StateMachine:
    properties = cloudformation_json["Properties"]
    name = properties.get("StateMachineName", original_resource.name)
    if (
        name != original_resource.name
        or properties.get("StateMachineType", "STANDARD") != original_resource.type
    ):
        created = _create_machine(cls, name, cloudformation_json, account_id, region_name)
        _delete_machine(cls, original_resource.arn, cloudformation_json, account_id, region_name)
        return created
    backend = _state_machine_backend(account_id, region_name, original_resource.arn)
    settings = _state_machine_settings(properties)
    machine = backend.update_state_machine(
        original_resource.arn,
        definition=_definition(properties, account_id, region_name),
        role_arn=properties.get("RoleArn"),
        logging_configuration=settings["loggingConfiguration"],
        tracing_configuration=settings["tracingConfiguration"],
        encryption_configuration=settings["encryptionConfiguration"],
    )
    backend.tagger.tag_resource(machine.arn, cfn_to_api_tags(properties.get("Tags", [])))
    return machine


def _delete_machine(
    cls: type, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
) -> None:
    _state_machine_backend(account_id, region_name, resource_name).delete_state_machine(resource_name)
