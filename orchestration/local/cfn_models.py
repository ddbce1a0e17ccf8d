"""CloudFormation on the local AWS runtime (moto 5.2.5) creates what orchestration/template.yaml
declares, with the behaviour AWS gives it.

`install()` registers the resource types moto's CloudFormation ignores and patches what it gets wrong;
call it before the moto server handles its first request (it is idempotent). Each fix names the moto
defect it covers; tests/orchestration/local/test_cfn_models.py has a test per fix that fails without it.

- Glue (Database, Job, SecurityConfiguration, Crawler) and Athena (WorkGroup) resources are created,
  updated and deleted in moto's glue/athena backends; Ref gives the name, as on AWS.
- State machines take Definition (an object) or DefinitionString, plus DefinitionSubstitutions, and
  land in the backend that executes them when execution is enabled; updates change the definition.
- `null` inside a JSON-typed property (an ASL `"ResultPath": null`) is kept, as AWS keeps it; an
  `AWS::NoValue` in a list removes the item.
- A stack update also updates the resources whose `Fn::Sub` strings name a changed parameter.
- describe_stack_resource(s) leave out conditional resources that were not created.
- Buckets get their notification (EventBridge), public access block, ownership, versioning,
  lifecycle and bucket-key settings; queue and topic policies, SNS subscriptions and CloudWatch
  alarms are created; missing `Fn::GetAtt` attributes are answered.
- The YAML short forms `!Condition` and `!GetAtt [Resource, Attribute]` parse as on AWS.

AWS::S3::BucketPolicy is accepted but not applied: the local endpoint is plain HTTP, so the
template's TLS-only Deny would refuse every request (and moto 5.2.5 denies on any policy condition
it cannot evaluate).
"""

from __future__ import annotations

import copy
import json
import re
from importlib.metadata import version
from typing import Any

import yaml
from moto.athena.models import athena_backends
from moto.cloudformation import models as cfn_stack_models
from moto.cloudformation import parsing
from moto.cloudformation import responses as cfn_responses
from moto.cloudformation import utils as cfn_utils
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException, ValidationError
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.common_models import CloudFormationModel
from moto.core.utils import utcnow
from moto.glue.exceptions import EntityNotFoundException
from moto.glue.models import glue_backends
from moto.kms.models import Key
from moto.logs.models import LogGroup
from moto.s3.models import FakeBucket, s3_backends
from moto.s3.responses import S3Response
from moto.sns.exceptions import TopicNotFound
from moto.sns.models import Topic, sns_backends
from moto.sqs.exceptions import QueueDoesNotExist
from moto.sqs.models import Queue, sqs_backends
from moto.stepfunctions import responses as sfn_responses
from moto.stepfunctions.models import StateMachine, stepfunctions_backends
from moto.stepfunctions.utils import cfn_to_api_tags
from moto.utilities.utils import get_partition

MOTO_VERSION = "5.2.5"
_installed = False


def install() -> None:
    """Register and patch everything; safe to call more than once."""
    global _installed
    if _installed:
        return
    installed = version("moto")
    if installed != MOTO_VERSION:
        raise RuntimeError(
            f"orchestration.local.cfn_models patches moto {MOTO_VERSION}, found {installed}: "
            "re-check each fix against the new release before changing the pin"
        )
    _patch_yaml_short_forms()
    parsing.clean_json = _clean_json
    parsing.get_references_from_template = _references
    _patch_attributes()
    # moto lists a conditional resource that was not created as None (describe_stack_resource(s)
    # then fail or return an entry without a type).
    cfn_stack_models.Stack.stack_resources = property(
        lambda stack: [resource for resource in stack.resource_map.values() if resource is not None]
    )
    _patch_buckets()
    _patch_state_machines()
    # moto caches its model lists on first use: drop them so the classes below are seen.
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    _installed = True


# ---------------------------------------------------------------- template parsing


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


# ---------------------------------------------------------------- value coercion (as CloudFormation does)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise ValidationError(message=f"Expected a string, number or boolean, got {value!r}")


def _texts(mapping: dict[str, Any] | None) -> dict[str, str] | None:
    return None if mapping is None else {key: _text(value) for key, value in mapping.items()}


def _ints(mapping: dict[str, Any] | None) -> dict[str, int] | None:
    return None if mapping is None else {key: int(value) for key, value in mapping.items()}


def _lower_first(value: Any) -> Any:
    """CloudFormation's PascalCase keys as the Step Functions API's camelCase keys."""
    if isinstance(value, dict):
        return {key[:1].lower() + key[1:]: _lower_first(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_lower_first(item) for item in value]
    return value


# ---------------------------------------------------------------- named resources in moto backends


class _NamedResource:
    """A stack resource that lives in a moto backend under its name: Ref returns the name."""

    def __init__(self, name: str, account_id: str, region_name: str):
        self.name = name
        self.account_id = account_id
        self.region_name = region_name

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        raise UnformattedGetAttTemplateException()

    def is_created(self) -> bool:
        return True

    def delete(self, account_id: str, region_name: str) -> None:
        type(self).delete_from_cloudformation_json(self.name, {}, account_id, region_name)

    @classmethod
    def _replace(
        cls, original: Any, name: str, cloudformation_json: Any, account_id: str, region: str
    ) -> Any:
        """A change that needs a new physical resource: the old one goes first when the name stays."""
        if name == original.name:
            original.delete(account_id, region)
            return cls.create_from_cloudformation_json(name, cloudformation_json, account_id, region)
        created = cls.create_from_cloudformation_json(name, cloudformation_json, account_id, region)
        original.delete(account_id, region)
        return created


class GlueDatabase(_NamedResource, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Glue::Database"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "DatabaseName"

    @staticmethod
    def _input(properties: dict[str, Any], default_name: str) -> dict[str, Any]:
        database_input = dict(properties.get("DatabaseInput") or {})
        database_input["Name"] = (
            database_input.get("Name") or properties.get("DatabaseName") or default_name.lower()
        )
        return database_input

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> GlueDatabase:
        database_input = cls._input(cloudformation_json["Properties"], resource_name)
        name = database_input["Name"]
        glue_backends[account_id][region_name].create_database(name, database_input)
        return cls(name, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: GlueDatabase,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> GlueDatabase:
        database_input = cls._input(cloudformation_json["Properties"], original_resource.name)
        if database_input["Name"] != original_resource.name:
            return cls._replace(
                original_resource, database_input["Name"], cloudformation_json, account_id, region_name
            )
        glue_backends[account_id][region_name].update_database(original_resource.name, database_input)
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        try:
            glue_backends[account_id][region_name].delete_database(resource_name)
        except EntityNotFoundException:
            pass


class GlueSecurityConfiguration(_NamedResource, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Glue::SecurityConfiguration"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> GlueSecurityConfiguration:
        properties = cloudformation_json["Properties"]
        name = properties.get("Name", resource_name)
        # CloudFormation's S3Encryptions is the API's S3Encryption list.
        encryption = dict(properties.get("EncryptionConfiguration") or {})
        if "S3Encryptions" in encryption:
            s3 = encryption.pop("S3Encryptions")
            encryption["S3Encryption"] = s3 if isinstance(s3, list) else [s3]
        glue_backends[account_id][region_name].create_security_configuration(name, encryption)
        return cls(name, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: GlueSecurityConfiguration,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> GlueSecurityConfiguration:
        # Every property of a security configuration needs replacement on AWS.
        name = cloudformation_json["Properties"].get("Name", original_resource.name)
        return cls._replace(original_resource, name, cloudformation_json, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        try:
            glue_backends[account_id][region_name].delete_security_configuration(resource_name)
        except EntityNotFoundException:
            pass


class GlueJob(_NamedResource, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Glue::Job"

    @staticmethod
    def _settings(properties: dict[str, Any]) -> dict[str, Any]:
        """The job's settings by moto's create_job argument (and FakeJob attribute) names."""
        command = dict(properties.get("Command") or {})
        if "PythonVersion" in command:
            command["PythonVersion"] = _text(command["PythonVersion"])
        return {
            "role": properties.get("Role"),
            "command": command,
            "description": properties.get("Description"),
            "log_uri": properties.get("LogUri"),
            "execution_property": _ints(properties.get("ExecutionProperty")),
            "default_arguments": _texts(properties.get("DefaultArguments")),
            "non_overridable_arguments": _texts(properties.get("NonOverridableArguments")),
            "connections": properties.get("Connections"),
            "max_retries": _int(properties.get("MaxRetries")),
            "allocated_capacity": _int(properties.get("AllocatedCapacity")),
            "timeout": _int(properties.get("Timeout")),
            "max_capacity": _float(properties.get("MaxCapacity")),
            "security_configuration": properties.get("SecurityConfiguration"),
            "notification_property": _ints(properties.get("NotificationProperty")),
            "glue_version": _text(properties.get("GlueVersion")),
            "number_of_workers": _int(properties.get("NumberOfWorkers")),
            "worker_type": properties.get("WorkerType"),
            "execution_class": properties.get("ExecutionClass"),
        }

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> GlueJob:
        properties = cloudformation_json["Properties"]
        name = properties.get("Name", resource_name)
        glue_backends[account_id][region_name].create_job(
            name=name,
            tags=properties.get("Tags") or {},
            code_gen_configuration_nodes=None,
            source_control_details=None,
            **cls._settings(properties),
        )
        return cls(name, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: GlueJob,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> GlueJob:
        properties = cloudformation_json["Properties"]
        name = properties.get("Name", original_resource.name)
        if name != original_resource.name:
            return cls._replace(original_resource, name, cloudformation_json, account_id, region_name)
        # In place, as AWS's UpdateJob (which moto lacks): the job keeps its runs.
        backend = glue_backends[account_id][region_name]
        job = backend.get_job(name)
        for attribute, value in cls._settings(properties).items():
            setattr(job, attribute, value)
        job.execution_property = job.execution_property or {}
        job.default_arguments = job.default_arguments or {}
        job.execution_class = job.execution_class or "STANDARD"
        job.last_modified_on = utcnow()
        backend.tag_resource(job.arn, properties.get("Tags") or {})
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        glue_backends[account_id][region_name].delete_job(resource_name)


class GlueCrawler(_NamedResource, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Glue::Crawler"

    @staticmethod
    def _settings(properties: dict[str, Any]) -> dict[str, Any]:
        """The crawler's settings by moto's create_crawler argument (and FakeCrawler attribute) names."""
        return {
            "role": properties.get("Role"),
            "database_name": properties.get("DatabaseName"),
            "description": properties.get("Description"),
            "targets": properties.get("Targets") or {},
            "schedule": (properties.get("Schedule") or {}).get("ScheduleExpression"),
            "classifiers": properties.get("Classifiers") or [],
            "table_prefix": properties.get("TablePrefix"),
            "schema_change_policy": properties.get("SchemaChangePolicy"),
            "recrawl_policy": properties.get("RecrawlPolicy"),
            "lineage_configuration": properties.get("LineageConfiguration"),
            "configuration": properties.get("Configuration"),
            "crawler_security_configuration": properties.get("CrawlerSecurityConfiguration"),
        }

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> GlueCrawler:
        properties = cloudformation_json["Properties"]
        name = properties.get("Name", resource_name)
        glue_backends[account_id][region_name].create_crawler(
            name=name, tags=properties.get("Tags") or {}, **cls._settings(properties)
        )
        return cls(name, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: GlueCrawler,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> GlueCrawler:
        properties = cloudformation_json["Properties"]
        name = properties.get("Name", original_resource.name)
        if name != original_resource.name:
            return cls._replace(original_resource, name, cloudformation_json, account_id, region_name)
        backend = glue_backends[account_id][region_name]
        crawler = backend.get_crawler(name)
        for attribute, value in cls._settings(properties).items():
            setattr(crawler, attribute, value)
        crawler.version += 1
        crawler.last_updated = utcnow()
        backend.tag_resource(crawler.arn, properties.get("Tags") or {})
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        try:
            glue_backends[account_id][region_name].delete_crawler(resource_name)
        except EntityNotFoundException:
            pass


class AthenaWorkGroup(_NamedResource, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Athena::WorkGroup"

    @staticmethod
    def _configuration(properties: dict[str, Any]) -> dict[str, Any]:
        configuration = copy.deepcopy(properties.get("WorkGroupConfiguration") or {})
        if "BytesScannedCutoffPerQuery" in configuration:
            configuration["BytesScannedCutoffPerQuery"] = int(configuration["BytesScannedCutoffPerQuery"])
        engine = configuration.get("EngineVersion")
        if engine is not None:
            selected = engine.get("SelectedEngineVersion", "AUTO")
            engine.setdefault("SelectedEngineVersion", selected)
            engine.setdefault(
                "EffectiveEngineVersion", "Athena engine version 3" if selected == "AUTO" else selected
            )
        return configuration

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> AthenaWorkGroup:
        properties = cloudformation_json["Properties"]
        name = properties.get("Name", resource_name)
        work_group = athena_backends[account_id][region_name].create_work_group(
            name, cls._configuration(properties), properties.get("Description"), properties.get("Tags") or []
        )
        if work_group is None:
            raise ValidationError(message=f"WorkGroup {name} already exists")
        work_group.state = properties.get("State", "ENABLED")
        return cls(name, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: AthenaWorkGroup,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> AthenaWorkGroup:
        # moto has no UpdateWorkGroup: the work group is created again under the same name (its
        # queries are kept by the backend, not by the work group).
        name = cloudformation_json["Properties"].get("Name", original_resource.name)
        return cls._replace(original_resource, name, cloudformation_json, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        athena_backends[account_id][region_name].delete_work_group(resource_name)


# ---------------------------------------------------------------- policies, subscriptions, alarms


class _Attachment(_NamedResource):
    """A policy set on other resources: create and update apply it, delete takes it off. The
    physical id lists the resources it is on."""

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def _apply(cls, properties: dict[str, Any], account_id: str, region_name: str) -> str:
        raise NotImplementedError

    @classmethod
    def _detach(cls, physical_id: str, account_id: str, region_name: str) -> None:
        pass

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> Any:
        name = cls._apply(cloudformation_json["Properties"], account_id, region_name)
        return cls(name, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> Any:
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(
            original_resource.name, cloudformation_json, account_id, region_name
        )

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        cls._detach(resource_name, account_id, region_name)


class S3BucketPolicy(_Attachment, CloudFormationModel):
    """Accepted, not applied: see the module docstring."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @classmethod
    def _apply(cls, properties: dict[str, Any], account_id: str, region_name: str) -> str:
        return properties["Bucket"]


class SQSQueuePolicy(_Attachment, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SQS::QueuePolicy"

    @classmethod
    def _apply(cls, properties: dict[str, Any], account_id: str, region_name: str) -> str:
        policy = json.dumps(properties["PolicyDocument"])
        for url in properties["Queues"]:
            sqs_backends[account_id][region_name].get_queue(url.rsplit("/", 1)[-1]).policy = policy
        return ",".join(properties["Queues"])

    @classmethod
    def _detach(cls, physical_id: str, account_id: str, region_name: str) -> None:
        for url in physical_id.split(","):
            try:
                sqs_backends[account_id][region_name].get_queue(url.rsplit("/", 1)[-1]).policy = None
            except QueueDoesNotExist:
                pass


class SNSTopicPolicy(_Attachment, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::TopicPolicy"

    @classmethod
    def _apply(cls, properties: dict[str, Any], account_id: str, region_name: str) -> str:
        for arn in properties["Topics"]:
            sns_backends[account_id][region_name].get_topic(arn).policy = json.dumps(
                properties["PolicyDocument"]
            )
        return ",".join(properties["Topics"])

    @classmethod
    def _detach(cls, physical_id: str, account_id: str, region_name: str) -> None:
        # Back to the topic's default policy, as on AWS.
        for arn in physical_id.split(","):
            try:
                topic = sns_backends[account_id][region_name].get_topic(arn)
            except TopicNotFound:
                continue
            topic._policy_json = topic._create_default_topic_policy(region_name, account_id, topic.name)


class SNSSubscription(_NamedResource, CloudFormationModel):
    """Ref returns the subscription ARN, as on AWS."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::Subscription"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> SNSSubscription:
        properties = cloudformation_json["Properties"]
        backend = sns_backends[account_id][region_name]
        subscription = backend.subscribe(
            properties["TopicArn"], properties["Endpoint"], properties["Protocol"]
        )
        for attribute in ("FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy"):
            if attribute in properties:
                value = properties[attribute]
                text = json.dumps(value) if isinstance(value, dict) else _text(value)
                backend.set_subscription_attributes(subscription.arn, attribute, text)
        return cls(subscription.arn, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: SNSSubscription,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> SNSSubscription:
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        sns_backends[account_id][region_name].unsubscribe(resource_name)


class CloudWatchAlarm(_NamedResource, CloudFormationModel):
    """A metric alarm (metric math alarms are not mapped)."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::Alarm"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "AlarmName"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> CloudWatchAlarm:
        properties = cloudformation_json["Properties"]
        name = properties.get("AlarmName", resource_name)
        cloudwatch_backends[account_id][region_name].put_metric_alarm(
            name=name,
            namespace=properties.get("Namespace"),
            metric_name=properties.get("MetricName"),
            comparison_operator=properties["ComparisonOperator"],
            evaluation_periods=int(properties["EvaluationPeriods"]),
            period=_int(properties.get("Period")),
            threshold=_float(properties.get("Threshold")),
            statistic=properties.get("Statistic"),
            description=properties.get("AlarmDescription"),
            dimensions=properties.get("Dimensions", []),
            alarm_actions=properties.get("AlarmActions", []),
            ok_actions=properties.get("OKActions", []),
            insufficient_data_actions=properties.get("InsufficientDataActions", []),
            datapoints_to_alarm=_int(properties.get("DatapointsToAlarm")),
            extended_statistic=properties.get("ExtendedStatistic"),
            unit=properties.get("Unit"),
            actions_enabled=_text(properties.get("ActionsEnabled", True)) == "true",
            treat_missing_data=properties.get("TreatMissingData"),
            tags=properties.get("Tags"),
        )
        return cls(name, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: CloudWatchAlarm,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> CloudWatchAlarm:
        name = cloudformation_json["Properties"].get("AlarmName", original_resource.name)
        return cls._replace(original_resource, name, cloudformation_json, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        cloudwatch_backends[account_id][region_name].delete_alarms([resource_name])


# ---------------------------------------------------------------- S3 buckets


def _bucket_encryption(cfn: dict[str, Any]) -> dict[str, Any]:
    """moto's own conversion drops BucketKeyEnabled."""
    rule = cfn["ServerSideEncryptionConfiguration"][0]
    api_rule: dict[str, Any] = {
        "ApplyServerSideEncryptionByDefault": dict(rule["ServerSideEncryptionByDefault"])
    }
    if "BucketKeyEnabled" in rule:
        api_rule["BucketKeyEnabled"] = bool(rule["BucketKeyEnabled"])
    return {"Rule": api_rule}


def _lifecycle_rule(cfn: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule in the shape moto's PutBucketLifecycleConfiguration parses
    (prefix filters only: TagFilters and object-size filters are not mapped)."""
    rule: dict[str, Any] = {
        "ID": cfn.get("Id"),
        "Status": cfn["Status"],
        "Filter": {"Prefix": cfn.get("Prefix", "")},
    }
    expiration = {
        api: cfn[key]
        for key, api in (
            ("ExpirationInDays", "Days"),
            ("ExpirationDate", "Date"),
            ("ExpiredObjectDeleteMarker", "ExpiredObjectDeleteMarker"),
        )
        if key in cfn
    }
    if expiration:
        rule["Expiration"] = expiration
    transitions = cfn.get("Transitions", []) + ([cfn["Transition"]] if "Transition" in cfn else [])
    if transitions:
        rule["Transition"] = [
            {
                "StorageClass": t["StorageClass"],
                "Days": t.get("TransitionInDays"),
                "Date": t.get("TransitionDate"),
            }
            for t in transitions
        ]
    noncurrent = cfn.get("NoncurrentVersionExpiration") or (
        {"NoncurrentDays": cfn["NoncurrentVersionExpirationInDays"]}
        if "NoncurrentVersionExpirationInDays" in cfn
        else None
    )
    if noncurrent:
        rule["NoncurrentVersionExpiration"] = noncurrent
    noncurrent_transitions = cfn.get("NoncurrentVersionTransitions", []) + (
        [cfn["NoncurrentVersionTransition"]] if "NoncurrentVersionTransition" in cfn else []
    )
    if noncurrent_transitions:
        rule["NoncurrentVersionTransition"] = [
            {
                "StorageClass": t["StorageClass"],
                "NoncurrentDays": t.get("TransitionInDays"),
                "NewerNoncurrentVersions": t.get("NewerNoncurrentVersions"),
            }
            for t in noncurrent_transitions
        ]
    if "AbortIncompleteMultipartUpload" in cfn:
        rule["AbortIncompleteMultipartUpload"] = cfn["AbortIncompleteMultipartUpload"]
    return rule


def _notification(cfn: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation NotificationConfiguration in the shape moto's bucket model takes."""

    def targets(kind: str, target_key: str, api_key: str) -> list[dict[str, Any]]:
        return [
            {
                api_key: target[target_key],
                "Event": [target["Event"]],
                **(
                    {"Filter": {"S3Key": {"FilterRule": target["Filter"]["S3Key"]["Rules"]}}}
                    if "Filter" in target
                    else {}
                ),
            }
            for target in cfn.get(kind, [])
        ]

    config: dict[str, Any] = {
        "TopicConfiguration": targets("TopicConfigurations", "Topic", "Topic"),
        "QueueConfiguration": targets("QueueConfigurations", "Queue", "Queue"),
        "CloudFunctionConfiguration": targets("LambdaConfigurations", "Function", "CloudFunction"),
    }
    if (cfn.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled") in (True, "true"):
        config["EventBridgeConfiguration"] = {}
    return {key: value for key, value in config.items() if value or key == "EventBridgeConfiguration"}


def _apply_bucket_properties(
    name: str, properties: dict[str, Any], account_id: str, region_name: str
) -> None:
    """The bucket settings moto's AWS::S3::Bucket ignores (it only reads encryption and tags). A
    setting missing from the properties is removed, so an update that drops one takes effect."""
    backend = s3_backends[account_id][get_partition(region_name)]
    bucket = backend.get_bucket(name)
    if "BucketEncryption" in properties:
        backend.put_bucket_encryption(name, _bucket_encryption(properties["BucketEncryption"]))
    if "PublicAccessBlockConfiguration" in properties:
        backend.put_public_access_block(name, properties["PublicAccessBlockConfiguration"])
    else:
        bucket.public_access_block = None
    if "OwnershipControls" in properties:
        ownership = properties["OwnershipControls"]["Rules"][0]["ObjectOwnership"]
        backend.put_bucket_ownership_controls(name, ownership=ownership)
    else:
        bucket.ownership_rule = None
    if "VersioningConfiguration" in properties:
        backend.put_bucket_versioning(name, properties["VersioningConfiguration"]["Status"])
    elif bucket.versioning_status == "Enabled":
        backend.put_bucket_versioning(name, "Suspended")  # as on AWS: versioning cannot be turned off
    rules = (properties.get("LifecycleConfiguration") or {}).get("Rules") or []
    backend.put_bucket_lifecycle_configuration(name, [_lifecycle_rule(rule) for rule in rules])
    backend.put_bucket_notification_configuration(
        name, _notification(properties.get("NotificationConfiguration") or {})
    )


def _patch_buckets() -> None:
    moto_create = FakeBucket.create_from_cloudformation_json.__func__
    moto_update = FakeBucket.update_from_cloudformation_json.__func__

    def create_from_cloudformation_json(
        cls: type,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> FakeBucket:
        bucket = moto_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        _apply_bucket_properties(
            bucket.name, cloudformation_json.get("Properties", {}), account_id, region_name
        )
        return bucket

    def update_from_cloudformation_json(
        cls: type,
        original_resource: FakeBucket,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> FakeBucket:
        properties = cloudformation_json["Properties"]
        if properties.get("BucketName", original_resource.name) != original_resource.name:
            bucket = moto_update(
                cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
            )
        else:
            # moto's in-place branch reads properties["BucketName"], absent when the name is generated.
            bucket = original_resource
            if "Tags" in properties:
                backend = s3_backends[account_id][get_partition(region_name)]
                backend.put_bucket_tagging(bucket.name, {t["Key"]: t["Value"] for t in properties["Tags"]})
        _apply_bucket_properties(bucket.name, properties, account_id, region_name)
        return bucket

    FakeBucket.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    FakeBucket.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)
    S3Response.get_bucket_notification = _get_bucket_notification


def _get_bucket_notification(self: S3Response) -> Any:
    """moto's GetBucketNotificationConfiguration leaves out EventBridgeConfiguration."""
    from moto.core.responses import ActionResult, EmptyResult

    configuration = self.backend.get_bucket_notification_configuration(self.bucket_name)
    if not configuration:
        return self.serialized(EmptyResult())

    def described(item: Any, arn_key: str) -> dict[str, Any]:
        described = {"Id": item.id, arn_key: item.arn, "Events": item.events}
        if item.filters:
            described["Filter"] = {"Key": {"FilterRules": item.filters["S3Key"]["FilterRule"]}}
        return described

    result: dict[str, Any] = {
        "TopicConfigurations": [described(t, "TopicArn") for t in configuration.topic],
        "QueueConfigurations": [described(q, "QueueArn") for q in configuration.queue],
        "LambdaFunctionConfigurations": [
            described(f, "LambdaFunctionArn") for f in configuration.cloud_function
        ],
    }
    if configuration.event_bridge is not None:
        result["EventBridgeConfiguration"] = {}
    self.data["Action"] = "GetBucketNotificationConfiguration"
    return self.serialized(ActionResult(result))


# ---------------------------------------------------------------- state machines


def _substituted(text: str, substitutions: dict[str, Any]) -> str:
    """`${Key}` -> value, repeated while a value brings new placeholders (AWS's
    StringUtils.replaceEachRepeatedly); an unknown `${Name}` stays as written."""
    if not substitutions:
        return text
    values = {"${" + key + "}": _text(value) for key, value in substitutions.items()}
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
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

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


def _patch_state_machines() -> None:
    def create_from_cloudformation_json(
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

    def update_from_cloudformation_json(
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
            created = create_from_cloudformation_json(cls, name, cloudformation_json, account_id, region_name)
            delete_from_cloudformation_json(
                cls, original_resource.arn, cloudformation_json, account_id, region_name
            )
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

    def delete_from_cloudformation_json(
        cls: type, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        _state_machine_backend(account_id, region_name, resource_name).delete_state_machine(resource_name)

    StateMachine.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    StateMachine.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)
    StateMachine.delete_from_cloudformation_json = classmethod(delete_from_cloudformation_json)
