"""The request context of a call that the local runtime's IAM evaluates (orchestration.local.iam):
the condition keys AWS sets for it, and the checks a call implies besides its own action.

Keys set: aws:PrincipalArn, aws:PrincipalAccount, aws:RequestedRegion, aws:SecureTransport (always
"true": AWS's SDKs and services call over TLS; the local endpoint is plain HTTP); for S3's
ListBucket s3:prefix, s3:delimiter and s3:max-keys; for the KMS calls S3 makes on the caller's
behalf (SSE-KMS) and SNS makes for a publisher (an encrypted topic) kms:ViaService,
kms:CallerAccount and kms:ResourceAliases; for CloudFormation's
change sets and stacks cloudformation:RoleArn, cloudformation:TemplateUrl and
cloudformation:ImportResourceTypes; for iam:PassRole iam:PassedToService. A key not listed here is
absent, as a key AWS does not set for a call is (orchestration.local.conditions says what that means
for each operator)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from moto.cloudformation.models import cloudformation_backends
from moto.kms.models import kms_backends
from moto.s3.models import s3_backends
from moto.sns.models import sns_backends

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


def kms_via_context(account: str, region: str, key_arn: str, service: str = "s3") -> dict:
    """The keys of a KMS call a service (S3, SNS) makes for the caller with the caller's
    permissions (GenerateDataKey to write, Decrypt to read)."""
    key_id = key_arn.rsplit("/", 1)[-1]
    key = kms_backends[account][region].keys.get(key_id)
    context = {"kms:ViaService": f"{service}.{region}.amazonaws.com", "kms:CallerAccount": account}
    if key is not None and key.aliases:
        context["kms:ResourceAliases"] = sorted(key.aliases)
    return context


def bucket(account: str, name: str):
    """moto's bucket of that name, or None (S3 answers NoSuchBucket itself)."""
    try:
        return s3_backends[account][PARTITION].get_bucket(name)
    except Exception:  # noqa: BLE001 - moto raises MissingBucket
        return None


def key_arn(account: str, region: str, key: str) -> str | None:
    """The ARN of a customer managed key named by id, ARN or alias; None for an AWS managed key
    (alias/aws/...), whose key policy lets the account use it through the service."""
    if key.startswith("arn:") and ":key/" in key:
        return key
    name = key.split(":", 5)[-1] if key.startswith("arn:") else key  # an alias ARN: alias/...
    if name.startswith("alias/aws/"):
        return None
    if name.startswith("alias/"):
        name = kms_backends[account][region].get_key_id_from_alias(name) or name
    return f"arn:{PARTITION}:kms:{region}:{account}:key/{name}"


Check = tuple[str, str, dict]  # (action, resource, the request's context for it)


def encrypted_topic_checks(account: str, region: str, operation: str, body: dict) -> list[Check]:
    """Publishing to a topic with server-side encryption: SNS uses the topic's key with the
    publisher's permissions, so the publisher needs kms:GenerateDataKey and kms:Decrypt on it."""
    topic = sns_backends[account][region].topics.get(body.get("TopicArn") or "")
    key = key_arn(account, region, topic.kms_master_key_id) if topic and topic.kms_master_key_id else None
    if operation != "Publish" or key is None:
        return []
    context = kms_via_context(account, region, key, "sns")
    return [("kms:GenerateDataKey", key, context), ("kms:Decrypt", key, context)]


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


def implied_checks(account: str, region: str, service: str, operation: str, body: dict) -> list[Check]:
    """(action, resource, context) a call needs besides its own: passing CloudFormation a role;
    the key of an encrypted topic."""
    if service == "cloudformation" and operation in PASSES_A_ROLE and body.get("RoleARN"):
        return [("iam:PassRole", body["RoleARN"], {"iam:PassedToService": CLOUDFORMATION})]
    if service == "sns":
        return encrypted_topic_checks(account, region, operation, body)
    return []
