"""Resource policies on the local runtime, for the role sessions it evaluates
(orchestration.local.iam): an S3 bucket's policy and a KMS key's policy, as IAM combines them with
the role's identity policies within one account.

- An explicit Deny in the resource policy that applies to the caller wins.
- S3: a call is allowed when the identity policies allow it, or the bucket policy names the
  caller's role or session (or "*") in an Allow that applies.
- KMS: the key policy decides. A statement naming the account (`arn:aws:iam::<account>:root`)
  lets IAM policies grant the key, so the call then needs an identity Allow too; one naming the
  caller (or "*") allows it alone; without either the call is denied, whatever IAM allows.

Statements with NotPrincipal, NotAction or NotResource are not evaluated (an Allow with one allows
nothing here, a Deny with one denies nothing: none of the project's policies uses them). Conditions
are evaluated in the request's context (orchestration.local.conditions)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from fnmatch import fnmatchcase

from moto.kms.models import kms_backends

from orchestration.local import conditions, iam_context
from orchestration.local.conditions import listed

PARTITION = iam_context.PARTITION


@dataclass
class Verdict:
    denied: bool = False  # an explicit Deny applies
    granted: bool = False  # an Allow names the caller (or "*")
    delegated: bool = False  # an Allow names the account: IAM policies may grant


def policy_of(account: str, region: str, action: str, resource: str) -> str | None:
    """The resource policy that governs `action` on `resource`: the bucket's or the key's."""
    if action.startswith("s3:") and resource.startswith(f"arn:{PARTITION}:s3:::"):
        found = iam_context.bucket(account, resource.split(":::", 1)[1].split("/", 1)[0])
        return found.policy.decode() if found is not None and found.policy else None
    if action.startswith("kms:") and ":key/" in resource:
        key = kms_backends[account][region].keys.get(resource.rsplit("/", 1)[-1])
        return key.policy if key is not None else None
    return None


def _names(principal, account: str, caller: tuple[str, str]) -> str | None:
    """'caller' when a statement's Principal names the caller's role or session (or anyone),
    'account' when it names the caller's account, else None."""
    if principal == "*":
        return "caller"
    values = listed(principal.get("AWS", [])) if isinstance(principal, dict) else []
    if "*" in values or set(caller) & set(values):
        return "caller"
    if account in values or f"arn:{PARTITION}:iam::{account}:root" in values:
        return "account"
    return None


def evaluate(
    document: str, action: str, resource: str, account: str, caller: tuple[str, str], context: dict
) -> Verdict:
    """How a resource policy answers `caller` ((role ARN, session ARN)) doing `action` on `resource`."""
    verdict = Verdict()
    body = json.loads(document) if isinstance(document, str) else document
    for statement in listed(body.get("Statement", [])):
        if {"NotPrincipal", "NotAction", "NotResource"} & statement.keys():
            continue
        who = _names(statement.get("Principal"), account, caller)
        if who is None:
            continue
        if not any(fnmatchcase(action.lower(), a.lower()) for a in listed(statement.get("Action", []))):
            continue
        resources = listed(statement.get("Resource", "*"))  # a key policy's "*" is the key
        if not any(fnmatchcase(resource, r) for r in resources):
            continue
        if not conditions.applies(statement, context):
            continue
        if statement.get("Effect") == "Deny":
            verdict.denied = True
        elif who == "caller":
            verdict.granted = True
        else:
            verdict.delegated = True
    return verdict
