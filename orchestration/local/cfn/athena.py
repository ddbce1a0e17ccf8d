"""AWS::Athena::WorkGroup in moto's Athena backend (moto's CloudFormation has no Athena types). Ref
gives the name, as on AWS."""

from __future__ import annotations

import copy
from typing import Any

from moto.athena.models import AthenaBackend, athena_backends
from moto.cloudformation.exceptions import ValidationError
from moto.core.common_models import CloudFormationModel

from orchestration.local.cfn.base import NamedResource


class AthenaWorkGroup(NamedResource, CloudFormationModel):
    """moto has no UpdateWorkGroup: an update creates the work group again under the same name (its
    queries are kept by the backend, not by the work group), so there is no `_update`."""

    resource_type = "AWS::Athena::WorkGroup"
    backends = athena_backends
    delete_call = "delete_work_group"

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
    def _create(cls, athena: AthenaBackend, name: str, properties: dict[str, Any]) -> str:
        work_group = athena.create_work_group(
            name, cls._configuration(properties), properties.get("Description"), properties.get("Tags") or []
        )
        if work_group is None:
            raise ValidationError(message=f"WorkGroup {name} already exists")
        work_group.state = properties.get("State", "ENABLED")
        return name
