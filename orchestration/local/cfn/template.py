"""How moto's CloudFormation reads a template and answers for a stack's resources: YAML short forms,
nulls and AWS::NoValue, the references a stack update follows, `Fn::GetAtt` attributes and the
conditional resources that were not created."""

from __future__ import annotations

import re
from typing import Any

import yaml
from moto.cloudformation import models as cfn_stack_models
from moto.cloudformation import parsing
from moto.cloudformation import responses as cfn_responses
from moto.cloudformation import utils as cfn_utils
from moto.kms.models import Key
from moto.logs.models import LogGroup
from moto.sns.models import Topic
from moto.sqs.models import Queue
from moto.stepfunctions.models import StateMachine


def install() -> None:
    _patch_yaml_short_forms()
    parsing.clean_json = _clean_json
    parsing.get_references_from_template = _references
    _patch_attributes()
    # moto lists a conditional resource that was not created as None (describe_stack_resource(s)
    # then fail or return an entry without a type).
    cfn_stack_models.Stack.stack_resources = property(
        lambda stack: [resource for resource in stack.resource_map.values() if resource is not None]
    )


def _patch_yaml_short_forms() -> None:
    """moto turns `!Condition X` into `Fn::Condition` (conditions then read it as always true) and
    keeps the YAML nodes of `!GetAtt [Resource, Attribute]` instead of their strings."""
    moto_constructor = cfn_utils.yaml_tag_constructor

    def constructor(loader: Any, tag: str, node: Any) -> Any:
        if tag == "!Condition":
            return {"Condition": loader.construct_scalar(node)}
        if tag == "!GetAtt" and isinstance(node, yaml.SequenceNode):
            return {"Fn::GetAtt": loader.construct_sequence(node, deep=True)}
        return moto_constructor(loader, tag, node)

    for module in (cfn_utils, cfn_stack_models, cfn_responses):
        module.yaml_tag_constructor = constructor


_INTRINSICS = frozenset(
    {
        "Ref",
        "Fn::FindInMap",
        "Fn::GetAtt",
        "Fn::If",
        "Fn::Join",
        "Fn::Split",
        "Fn::Select",
        "Fn::Sub",
        "Fn::ImportValue",
        "Fn::GetAZs",
        "Fn::Base64",
        "Fn::ToJsonString",
    }
)
_moto_clean_json = parsing.clean_json


def _clean_json(resource_json: Any, resources_map: Any) -> Any:
    """moto's clean_json drops every None, so `"ResultPath": null` vanishes from a Definition (the
    task result then replaces the state's input), and keeps AWS::NoValue items in lists. Here a null
    written in the template stays and a None an intrinsic resolved to (AWS::NoValue) goes. AWS takes
    a written null only inside a JSON-typed property (Definition, a policy document), so no template
    AWS accepts has one elsewhere."""
    if isinstance(resource_json, dict) and not _INTRINSICS.intersection(resource_json):
        cleaned = {}
        for key, value in resource_json.items():
            result = _clean_json(value, resources_map)
            if result is not None or value is None:
                cleaned[key] = result
        return cleaned
    if isinstance(resource_json, list):
        results = [(value, _clean_json(value, resources_map)) for value in resource_json]
        return [result for value, result in results if result is not None or value is None]
    return _moto_clean_json(resource_json, resources_map)


_SUB_VARIABLE = re.compile(r"\$\{(?!!)([^}]+)\}")


def _references(template: Any) -> list[str]:
    """Names a resource refers to. moto only sees `Ref`, so a stack update that changes a
    parameter used in `Fn::Sub` (a job's script under code/${CodeVersion}/) changes nothing."""
    found: list[str] = []
    if isinstance(template, dict):
        for key, value in template.items():
            if key == "Ref":
                found.append(value)
            elif key == "Fn::Sub":
                text, variables = (value, {}) if isinstance(value, str) else (value[0], value[1])
                found += [name.split(".")[0] for name in _SUB_VARIABLE.findall(text)]
                found += _references(variables)
            else:
                found += _references(value)
    elif isinstance(template, list):
        for item in template:
            found += _references(item)
    return found


# ---------------------------------------------------------------- Fn::GetAtt


def _add_attributes(model: type, attributes: dict[str, Any]) -> None:
    """Answer `Fn::GetAtt` for these attributes (name -> function of the resource) on a moto model."""
    moto_has, moto_get = model.has_cfn_attr, model.get_cfn_attribute

    def has_cfn_attr(cls: type, attr: str) -> bool:
        return attr in attributes or moto_has(attr)

    def get_cfn_attribute(self: Any, attribute_name: str) -> Any:
        if attribute_name in attributes:
            return attributes[attribute_name](self)
        return moto_get(self, attribute_name)

    model.has_cfn_attr = classmethod(has_cfn_attr)
    model.get_cfn_attribute = get_cfn_attribute


def _patch_attributes() -> None:
    _add_attributes(Topic, {"TopicArn": lambda topic: topic.arn})
    _add_attributes(Key, {"KeyId": lambda key: key.id})
    _add_attributes(Queue, {"QueueUrl": lambda queue: queue.physical_resource_id})
    # AWS's log group Arn ends with ":*" (the form IAM policies and Step Functions logging take).
    _add_attributes(LogGroup, {"Arn": lambda group: f"{group.arn}:*"})
    _add_attributes(StateMachine, {"Arn": lambda machine: machine.arn})
