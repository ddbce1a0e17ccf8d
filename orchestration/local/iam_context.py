"""The request context of a call that the local runtime's IAM evaluates (orchestration.local.iam):
the condition keys AWS sets for it, and the checks a call implies besides its own action.

Keys set: aws:PrincipalArn, aws:PrincipalAccount, aws:RequestedRegion, aws:SecureTransport (always
"true": AWS's SDKs and services call over TLS; the local endpoint is plain HTTP); for S3's
ListBucket s3:prefix, s3:delimiter and s3:max-keys; for the KMS calls S3 makes on the caller's
behalf (SSE-KMS) kms:ViaService, kms:CallerAccount and kms:ResourceAliases; for CloudFormation's
change sets and stacks cloudformation:RoleArn, cloudformation:TemplateUrl and
cloudformation:ImportResourceTypes; for iam:PassRole iam:PassedToService. A key not listed here is
absent, as a key AWS does not set for a call is (orchestration.local.conditions says what that means
for each operator)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from moto.cloudformation.models import cloudformation_backends
from moto.kms.models import kms_backends

PARTITION = "aws"
CLOUDFORMATION = "cloudformation.amazonaws.com"
# CloudFormation calls that name a service role (RoleARN): the caller must be allowed to pass it.
PASSES_A_ROLE = {"CreateChangeSet", "CreateStack", "UpdateStack", "DeleteStack"}


def principal_context(account: str, role_arn: str, region: str) -> dict:
    return {
        "aws:PrincipalArn": role_arn,
        "aws:PrincipalAccount": account,
        "aws:RequestedRegion": region,
        "aws:SecureTransport": "true",
    }


def s3_list_context(request) -> dict:
    """ListBucket's keys, from the request's query string."""
    query = parse_qs(urlsplit(getattr(request, "uri", "") or "").query, keep_blank_values=True)
    keys = {"prefix": "s3:prefix", "delimiter": "s3:delimiter", "max-keys": "s3:max-keys"}
    return {key: query[name][0] for name, key in keys.items() if name in query}


def kms_via_s3_context(account: str, region: str, key_arn: str) -> dict:
    """The keys of a KMS call S3 makes for the caller (GenerateDataKey to write, Decrypt to read)."""
    key_id = key_arn.rsplit("/", 1)[-1]
    key = kms_backends[account][region].keys.get(key_id)
    context = {"kms:ViaService": f"s3.{region}.amazonaws.com", "kms:CallerAccount": account}
    if key is not None and key.aliases:
        context["kms:ResourceAliases"] = sorted(key.aliases)
    return context


def stack_arn(account: str, region: str, name: str | None) -> str:
    """A stack's ARN as IAM authorizes calls on it: its id once it exists, else the name with `*`
    for the id a new stack gets (what `stack/<name>/*` in a policy matches)."""
    if name and name.startswith("arn:"):
        return name
    backend = cloudformation_backends[account][region]
    for stack in list(backend.stacks.values()):
        if stack.name == name and stack.status != "DELETE_COMPLETE":
            return stack.stack_id
    return f"arn:{PARTITION}:cloudformation:{region}:{account}:stack/{name}/*"


def cloudformation_context(body: dict) -> dict:
    context = {}
    if body.get("RoleARN"):
        context["cloudformation:RoleArn"] = body["RoleARN"]
    if body.get("TemplateURL"):
        context["cloudformation:TemplateUrl"] = body["TemplateURL"]
    imported = {
        value
        for name, value in body.items()
        if name.startswith("ResourcesToImport.") and name.endswith(".ResourceType")
    }
    if imported:
        context["cloudformation:ImportResourceTypes"] = sorted(imported)
    return context


def implied_checks(service: str, operation: str, body: dict) -> list[tuple[str, str, dict]]:
    """(action, resource, context) a call needs besides its own: passing CloudFormation a role."""
    if service == "cloudformation" and operation in PASSES_A_ROLE and body.get("RoleARN"):
        return [("iam:PassRole", body["RoleARN"], {"iam:PassedToService": CLOUDFORMATION})]
    return []
