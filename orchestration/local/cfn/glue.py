"""AWS::Glue::Database, SecurityConfiguration, Job and Crawler in moto's Glue backend (moto's
CloudFormation has no Glue types). Ref gives the name, as on AWS."""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.core.utils import utcnow
from moto.glue.exceptions import EntityNotFoundException
from moto.glue.models import GlueBackend, glue_backends

from orchestration.local.cfn.base import NamedResource, as_float, as_int, as_ints, as_text, as_texts


def _tags(properties: dict[str, Any]) -> dict[str, str]:
    return properties.get("Tags") or {}


def _set_in_place(glue: GlueBackend, item: Any, settings: dict[str, Any], tags: dict[str, str]) -> None:
    """As AWS's UpdateJob and UpdateCrawler, which moto lacks: the settings, keyed by moto's create
    argument names (its objects' attribute names too), are set on the object, which keeps its runs."""
    for attribute, value in settings.items():
        setattr(item, attribute, value)
    glue.tag_resource(item.arn, tags)


class _GlueResource(NamedResource):
    """In moto's Glue backend; deleting one that is gone already is no error."""

    backends = glue_backends
    gone = (EntityNotFoundException,)


class GlueDatabase(_GlueResource, CloudFormationModel):
    resource_type = "AWS::Glue::Database"
    name_property = "DatabaseName"
    delete_call = "delete_database"

    @classmethod
    def _name(cls, properties: dict[str, Any], default: str) -> str:
        return (
            (properties.get("DatabaseInput") or {}).get("Name")
            or properties.get("DatabaseName")
            or default.lower()
        )

    @staticmethod
    def _input(name: str, properties: dict[str, Any]) -> dict[str, Any]:
        return {**(properties.get("DatabaseInput") or {}), "Name": name}

    @classmethod
    def _create(cls, glue: GlueBackend, name: str, properties: dict[str, Any]) -> str:
        glue.create_database(name, cls._input(name, properties))
        return name

    @classmethod
    def _update(cls, glue: GlueBackend, name: str, properties: dict[str, Any]) -> bool:
        glue.update_database(name, cls._input(name, properties))
        return True


class GlueSecurityConfiguration(_GlueResource, CloudFormationModel):
    """Every property of a security configuration needs replacement on AWS: no `_update`."""

    resource_type = "AWS::Glue::SecurityConfiguration"
    delete_call = "delete_security_configuration"

    @classmethod
    def _create(cls, glue: GlueBackend, name: str, properties: dict[str, Any]) -> str:
        # CloudFormation's S3Encryptions is the API's S3Encryption list.
        encryption = dict(properties.get("EncryptionConfiguration") or {})
        if "S3Encryptions" in encryption:
            s3 = encryption.pop("S3Encryptions")
            encryption["S3Encryption"] = s3 if isinstance(s3, list) else [s3]
        glue.create_security_configuration(name, encryption)
        return name


class GlueJob(_GlueResource, CloudFormationModel):
    resource_type = "AWS::Glue::Job"
    delete_call = "delete_job"

    @staticmethod
    def _settings(properties: dict[str, Any]) -> dict[str, Any]:
        """The job's settings by moto's create_job argument (and FakeJob attribute) names."""
        command = dict(properties.get("Command") or {})
        if "PythonVersion" in command:
            command["PythonVersion"] = as_text(command["PythonVersion"])
        return {
            "role": properties.get("Role"),
            "command": command,
            "description": properties.get("Description"),
            "log_uri": properties.get("LogUri"),
            "execution_property": as_ints(properties.get("ExecutionProperty")),
            "default_arguments": as_texts(properties.get("DefaultArguments")),
            "non_overridable_arguments": as_texts(properties.get("NonOverridableArguments")),
            "connections": properties.get("Connections"),
            "max_retries": as_int(properties.get("MaxRetries")),
            "allocated_capacity": as_int(properties.get("AllocatedCapacity")),
            "timeout": as_int(properties.get("Timeout")),
            "max_capacity": as_float(properties.get("MaxCapacity")),
            "security_configuration": properties.get("SecurityConfiguration"),
            "notification_property": as_ints(properties.get("NotificationProperty")),
            "glue_version": as_text(properties.get("GlueVersion")),
            "number_of_workers": as_int(properties.get("NumberOfWorkers")),
            "worker_type": properties.get("WorkerType"),
            "execution_class": properties.get("ExecutionClass"),
        }

    @classmethod
    def _create(cls, glue: GlueBackend, name: str, properties: dict[str, Any]) -> str:
        glue.create_job(
            name=name,
            tags=_tags(properties),
            code_gen_configuration_nodes=None,
            source_control_details=None,
            **cls._settings(properties),
        )
        return name

    @classmethod
    def _update(cls, glue: GlueBackend, name: str, properties: dict[str, Any]) -> bool:
        job = glue.get_job(name)
        _set_in_place(glue, job, cls._settings(properties), _tags(properties))
        job.execution_property = job.execution_property or {}
        job.default_arguments = job.default_arguments or {}
        job.execution_class = job.execution_class or "STANDARD"
        job.last_modified_on = utcnow()
        return True


class GlueCrawler(_GlueResource, CloudFormationModel):
    resource_type = "AWS::Glue::Crawler"
    delete_call = "delete_crawler"

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
    def _create(cls, glue: GlueBackend, name: str, properties: dict[str, Any]) -> str:
        glue.create_crawler(name=name, tags=_tags(properties), **cls._settings(properties))
        return name

    @classmethod
    def _update(cls, glue: GlueBackend, name: str, properties: dict[str, Any]) -> bool:
        crawler = glue.get_crawler(name)
        _set_in_place(glue, crawler, cls._settings(properties), _tags(properties))
        crawler.version += 1
        crawler.last_updated = utcnow()
        return True
