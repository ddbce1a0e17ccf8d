"""What an AWS service may do on the local runtime when it acts for the stack: a service principal
(EventBridge, for instance) acts through a role, which must trust the service and allow the action,
or on a resource whose resource policy allows the service. Both are evaluated as IAM evaluates them
for a service principal: a statement applies when it names the service (or "*") in Principal, the
action and the resource, and when its Condition holds in the request's context; a Deny that applies
wins, else an Allow that applies is needed.

Conditions: StringEquals, StringLike, ArnEquals and ArnLike on the context's keys (aws:SourceArn,
aws:SourceAccount). Any other operator, or a key the context lacks, makes the statement not apply:
an Allow with such a condition allows nothing here (the safe direction), and a Deny with one denies
nothing (documented in the README's list of what the local runtime does not enforce)."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

from moto.iam.access_control import PermissionResult
from moto.iam.models import iam_backends

from orchestration.local import iam

CONDITION_TESTS = {
    "StringEquals": lambda actual, expected: actual == expected,
    "StringLike": fnmatchcase,
    "ArnEquals": lambda actual, expected: actual == expected,
    "ArnLike": fnmatchcase,
}


def _listed(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _condition_holds(condition: dict, context: dict[str, str]) -> bool:
    lowered = {key.lower(): value for key, value in context.items()}
    for operator, tests in condition.items():
        test = CONDITION_TESTS.get(operator)
        if test is None:
            return False
        for key, expected in tests.items():
            actual = lowered.get(key.lower())
            if actual is None or not any(test(actual, str(value)) for value in _listed(expected)):
                return False
    return True


def _applies(statement: dict, service: str, action: str, resource: str, context: dict[str, str]) -> bool:
    if {"NotPrincipal", "NotAction", "NotResource"} & statement.keys():
        return False
    principal = statement.get("Principal")
    services = _listed(principal.get("Service", [])) if isinstance(principal, dict) else []
    if principal != "*" and service not in services:
        return False
    if not any(fnmatchcase(action.lower(), a.lower()) for a in _listed(statement.get("Action", []))):
        return False
    if "Resource" in statement and not any(fnmatchcase(resource, r) for r in _listed(statement["Resource"])):
        return False  # a trust policy names no resource: the role is its resource
    return _condition_holds(statement.get("Condition", {}), context)


def service_allowed(document: Any, service: str, action: str, resource: str, context: dict[str, str]) -> bool:
    """Whether a resource policy (or a role's trust policy) lets `service` do `action` on `resource`."""
    body = json.loads(document) if isinstance(document, str) else (document or {})
    allowed = False
    for statement in _listed(body.get("Statement", [])):
        if _applies(statement, service, action, resource, context):
            if statement.get("Effect") == "Deny":
                return False
            allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def service_role_error(
    role_arn: str | None, service: str, context: dict[str, str], action: str, resource: str
) -> tuple[str, str] | None:
    """Why `service` cannot do `action` on `resource` through `role_arn`, as (EventBridge's error
    code, message), or None when it can: the role must exist, trust the service in `context`, and
    allow the action on the resource."""
    if not role_arn:
        return "FAILED_TO_ASSUME_ROLE", f"{service} needs a role to perform {action} on {resource}"
    account, name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[-1]
    role = next((r for r in iam_backends[account][iam.PARTITION].roles.values() if r.name == name), None)
    if role is None or not service_allowed(
        role.assume_role_policy_document, service, "sts:AssumeRole", role_arn, context
    ):
        return "FAILED_TO_ASSUME_ROLE", f"{service} is not authorized to assume {role_arn}"
    if iam.decision(iam.statements(account, name), action, resource) != PermissionResult.PERMITTED:
        session = f"arn:{iam.PARTITION}:sts::{account}:assumed-role/{name}/{service}"
        return "NO_PERMISSIONS", iam.denial(session, action, resource)
    return None
