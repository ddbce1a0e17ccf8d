"""What an AWS service may do on the local runtime when it acts for the stack: a service principal
(EventBridge, for instance) acts through a role, which must trust the service and allow the action,
or on a resource whose resource policy allows the service. Both are evaluated as IAM evaluates them
for a service principal: a statement applies when it names the service (or "*") in Principal, the
action and the resource, and when its Condition holds in the request's context; a Deny that applies
wins, else an Allow that applies is needed.

Conditions are evaluated by orchestration.local.conditions in the request's context (aws:SourceArn,
aws:SourceAccount): an Allow applies only when its condition surely holds, a Deny whenever it may.

`install()` makes Step Functions check its role as AWS does when a state machine is created or its
role changed: the role must exist and trust states.amazonaws.com, else AccessDeniedException. Glue
checks its job's role when a run starts (orchestration.local.glue_runs)."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

from moto.core.exceptions import AWSError
from moto.iam.access_control import PermissionResult
from moto.iam.models import iam_backends
from moto.stepfunctions.models import StepFunctionBackend

from orchestration.local import conditions, iam
from orchestration.local.conditions import listed

STATES = "states.amazonaws.com"
GLUE = "glue.amazonaws.com"


def _applies(statement: dict, principal: tuple[str, str], action: str, resource: str, context: dict) -> bool:
    """Whether a statement applies to `principal` ((kind, name): ("Service", "glue.amazonaws.com"),
    ("Federated", an OIDC provider's ARN)) doing `action` on `resource` in `context`."""
    if {"NotPrincipal", "NotAction", "NotResource"} & statement.keys():
        return False
    named = statement.get("Principal")
    names = listed(named.get(principal[0], [])) if isinstance(named, dict) else []
    if named != "*" and principal[1] not in names:
        return False
    if not any(fnmatchcase(action.lower(), a.lower()) for a in listed(statement.get("Action", []))):
        return False
    if "Resource" in statement and not any(fnmatchcase(resource, r) for r in listed(statement["Resource"])):
        return False  # a trust policy names no resource: the role is its resource
    return conditions.applies(statement, context)


def service_allowed(document: Any, service: str, action: str, resource: str, context: dict[str, str]) -> bool:
    """Whether a resource policy (or a role's trust policy) lets `service` do `action` on `resource`."""
    return principal_allowed(document, ("Service", service), action, resource, context)


def principal_allowed(
    document: Any, principal: tuple[str, str], action: str, resource: str, context: dict
) -> bool:
    """Whether a policy lets `principal` ((kind, name), see _applies) do `action` on `resource`."""
    body = json.loads(document) if isinstance(document, str) else (document or {})
    allowed = False
    for statement in listed(body.get("Statement", [])):
        if _applies(statement, principal, action, resource, context):
            if statement.get("Effect") == "Deny":
                return False
            allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def assumable(role_arn: str | None, service: str, context: dict[str, str]) -> bool:
    """Whether the role exists and its trust policy lets `service` assume it in `context`."""
    if not role_arn or ":role/" not in role_arn:
        return False
    account, name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[-1]
    role = next((r for r in iam_backends[account][iam.PARTITION].roles.values() if r.name == name), None)
    return role is not None and service_allowed(
        role.assume_role_policy_document, service, "sts:AssumeRole", role_arn, context
    )


def service_role_error(
    role_arn: str | None, service: str, context: dict[str, str], action: str, resource: str
) -> tuple[str, str] | None:
    """Why `service` cannot do `action` on `resource` through `role_arn`, as (EventBridge's error
    code, message), or None when it can: the role must exist, trust the service in `context`, and
    allow the action on the resource."""
    if not role_arn:
        return "FAILED_TO_ASSUME_ROLE", f"{service} needs a role to perform {action} on {resource}"
    account, name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[-1]
    if not assumable(role_arn, service, context):
        return "FAILED_TO_ASSUME_ROLE", f"{service} is not authorized to assume {role_arn}"
    if iam.decision(iam.statements(account, name), action, resource) != PermissionResult.PERMITTED:
        session = f"arn:{iam.PARTITION}:sts::{account}:assumed-role/{name}/{service}"
        return "NO_PERMISSIONS", iam.denial(session, action, resource)
    return None


class RoleNotAssumable(AWSError):
    TYPE = "AccessDeniedException"
    STATUS = 400


def _check_state_machine_role(backend, role_arn: str, name: str) -> None:
    account, region = backend.account_id, backend.region_name
    context = {
        "aws:SourceAccount": account,
        "aws:SourceArn": f"arn:{iam.PARTITION}:states:{region}:{account}:stateMachine:{name}",
    }
    if not assumable(role_arn, STATES, context):
        raise RoleNotAssumable(
            f"Neither the global service principal {STATES}, nor the regional one is authorized "
            f"to assume the provided role: {role_arn}"
        )


def install() -> None:
    """Patch Step Functions' create and update of a state machine (idempotent)."""
    if getattr(StepFunctionBackend.create_state_machine, "checks_role", False):
        return
    create, update = StepFunctionBackend.create_state_machine, StepFunctionBackend.update_state_machine

    def create_state_machine(self, name, definition, roleArn, *args, **kwargs):
        _check_state_machine_role(self, roleArn, name)
        return create(self, name, definition, roleArn, *args, **kwargs)

    def update_state_machine(self, arn, definition=None, role_arn=None, *args, **kwargs):
        if role_arn:
            _check_state_machine_role(self, role_arn, arn.rsplit(":", 1)[-1])
        return update(self, arn, definition, role_arn, *args, **kwargs)

    create_state_machine.checks_role = True
    StepFunctionBackend.create_state_machine = create_state_machine
    StepFunctionBackend.update_state_machine = update_state_machine
