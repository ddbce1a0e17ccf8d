"""IAM per principal on the local AWS runtime: a principal the runtime runs as a role (a Glue job
run acts with its job's Role, a state machine's integrations with the state machine's role) gets
that role's session credentials, and every request signed with them is allowed only when the
role's policies allow the action on each resource it touches, as IAM evaluates identity
policies: an explicit Deny wins, else an Allow is needed on every resource. A denied call fails
as AWS fails it: `AccessDenied` (S3) or `AccessDeniedException`, with "User: <session> is not
authorized to perform: <action> on resource: <arn>".

A session assumed through STS (AssumeRole, AssumeRoleWithWebIdentity: the deploy workflow's role)
is evaluated the same way. Conditions are evaluated in the request's context
(orchestration.local.iam_context, orchestration.local.conditions). Requests signed with other
credentials (the operator's, the tests') are not evaluated here. moto
has an IAM mode of its own, but it is all or nothing for the server and gives every call outside
S3 the resource "*", which no least-privilege statement matches.

Resources, as the services' authorization references name them, for the calls the project makes:
S3 objects and buckets (from moto), a copy's source object, each key of a multi-object delete, the
KMS key of an SSE-KMS bucket (kms:GenerateDataKey to write, kms:Decrypt to read) and of an
encrypted SNS topic (both, to publish); Glue catalog,
database and table (all three for table calls), jobs and crawlers; DynamoDB tables; SNS topics; Athena
workgroups (a query's, for calls on a query); Step Functions state machines and executions; KMS
keys; CloudFormation stacks (and iam:PassRole of a change set's service role). A call outside these
maps to "*", so a scoped policy denies it until its resource is added here (the safe direction)."""

from __future__ import annotations

import json
import re
import threading
import xml.etree.ElementTree as ET
from urllib.parse import unquote

from moto.athena.models import athena_backends
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import JsonRESTError
from moto.core.exceptions import _RESTError as XmlRESTError  # the query protocol's error shape
from moto.iam import models as iam_models
from moto.iam.access_control import IAMPolicyStatement, PermissionResult
from moto.iam.models import iam_backends
from moto.s3.exceptions import BucketAccessDeniedError, S3ClientError
from moto.s3.models import FakeBucket
from moto.sts.models import sts_backends

from orchestration.local import conditions, iam_context, resource_policies

PARTITION = iam_context.PARTITION
CREDENTIAL = re.compile(r"Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/")
# moto's S3 operation names that IAM calls otherwise.
S3_ACTIONS = {"HeadBucket": "ListBucket", "ListBucketVersions": "ListBucketVersions"}

_lock = threading.Lock()
# access key id -> (account, role name, role ARN, session ARN)
_sessions: dict[str, tuple[str, str, str, str]] = {}
_by_role: dict[str, dict[str, str]] = {}
_installed = False


def role_credentials(role_arn: str, session_name: str, region: str) -> dict[str, str]:
    """The environment variables of a session of `role_arn` (one per role, kept for the runtime's
    life), whose requests this module evaluates against the role's policies."""
    with _lock:
        if role_arn in _by_role:
            return dict(_by_role[role_arn])
        account = role_arn.split(":")[4]
        assumed = sts_backends[account][PARTITION].assume_role(
            region_name=region,
            role_session_name=session_name,
            role_arn=role_arn,
            policy=None,
            duration=43200,
            external_id=None,
        )
        role_name = role_arn.rsplit("/", 1)[-1]
        session = f"arn:{PARTITION}:sts::{account}:assumed-role/{role_name}/{session_name}"
        _sessions[assumed.access_key_id] = (account, role_name, role_arn, session)
        _by_role[role_arn] = {
            "AWS_ACCESS_KEY_ID": assumed.access_key_id,
            "AWS_SECRET_ACCESS_KEY": assumed.secret_access_key,
            "AWS_SESSION_TOKEN": assumed.session_token,
        }
        return dict(_by_role[role_arn])


def session_of(access_key_id: str) -> tuple[str, str, str, str] | None:
    """(account, role name, role ARN, session ARN) of a role session: one the runtime made for a
    principal it runs, or one assumed through STS (AssumeRole, AssumeRoleWithWebIdentity)."""
    with _lock:
        if access_key_id in _sessions:
            return _sessions[access_key_id]
    for account in list(sts_backends.keys()):
        assumed = sts_backends[account][PARTITION].get_assumed_role_from_access_key(access_key_id)
        if assumed is not None:
            name = assumed.role_arn.rsplit("/", 1)[-1]
            return assumed.account_id, name, assumed.role_arn, assumed.arn
    return None


def forget() -> None:
    """Drop every session (the runtime stopped; moto's state goes with it)."""
    with _lock:
        _sessions.clear()
        _by_role.clear()


def statements(account: str, role_name: str) -> list[dict]:
    """Every statement of the role's inline and attached policies, as the role is now."""
    backend = iam_backends[account][PARTITION]
    if role_name not in {role.name for role in backend.roles.values()}:
        return []  # a deleted role allows nothing
    documents = [
        backend.get_role_policy(role_name, name)[1] for name in backend.list_role_policies(role_name)
    ]
    attached, _ = backend.list_attached_role_policies(role_name)
    for policy in attached:
        documents.append(next(v.document for v in policy.versions if v.is_default))
    found = []
    for document in documents:
        body = json.loads(document) if isinstance(document, str) else document
        listed = body.get("Statement", [])
        found += listed if isinstance(listed, list) else [listed]
    return found


def decision(rules: list[dict], action: str, resource: str, context: dict | None = None) -> PermissionResult:
    """DENIED on a matching Deny, PERMITTED on a matching Allow, else NEUTRAL. A statement's
    Condition is evaluated in the request's `context` (orchestration.local.conditions): an Allow
    applies only when it surely holds, a Deny whenever it may."""
    result = PermissionResult.NEUTRAL
    for rule in rules:
        if "NotResource" in rule or not conditions.applies(rule, context or {}):
            continue
        unconditional = {key: value for key, value in rule.items() if key != "Condition"}
        verdict = IAMPolicyStatement(unconditional).is_action_permitted(action, resource)
        if verdict == PermissionResult.DENIED:
            return verdict
        if verdict == PermissionResult.PERMITTED:
            result = verdict
    return result


def denial(session: str, action: str, resource: str, why: str | None = None) -> str:
    why = why or f"because no identity-based policy allows the {action} action"
    return f"User: {session} is not authorized to perform: {action} on resource: {resource} {why}"


def refusal(rules, action: str, target: str, context: dict, who: tuple[str, str, str]) -> str | None:
    """Why the call is denied (AWS's wording), or None when it is allowed: the role's identity
    policies, and the bucket's or key's policy (orchestration.local.resource_policies).
    `who`: (account, role ARN, session ARN)."""
    account, role_arn, session_arn = who
    identity = decision(rules, action, target, context)
    parts = target.split(":")
    region = (parts[3] if len(parts) > 3 else "") or context.get("aws:RequestedRegion", "")
    document = resource_policies.policy_of(account, region, action, target)
    if document is None:
        return None if identity == PermissionResult.PERMITTED else denial(session_arn, action, target)
    verdict = resource_policies.evaluate(document, action, target, account, (role_arn, session_arn), context)
    if verdict.denied:
        return denial(session_arn, action, target, "with an explicit deny in a resource-based policy")
    if identity == PermissionResult.DENIED:
        return denial(session_arn, action, target, "with an explicit deny in an identity-based policy")
    if action.startswith("kms:"):  # the key policy decides; naming the account lets IAM grant
        allowed = verdict.granted or (verdict.delegated and identity == PermissionResult.PERMITTED)
        why = None if verdict.delegated else f"because no resource-based policy allows the {action} action"
    else:
        allowed = verdict.granted or identity == PermissionResult.PERMITTED
        why = None
    return None if allowed else denial(session_arn, action, target, why)


def _arn(service: str, region: str, account: str, tail: str) -> str:
    return f"arn:{PARTITION}:{service}:{region}:{account}:{tail}"


def service_resources(service: str, operation: str, body: dict, region: str, account: str) -> list[str]:
    """The resources a (non-S3) call touches, as the service's authorization reference names them."""
    if service == "glue":
        catalog = _arn("glue", region, account, "catalog")
        database = (
            body.get("DatabaseName") or body.get("Name") or (body.get("DatabaseInput") or {}).get("Name")
        )
        if operation in ("GetDatabases",):
            return [catalog]
        if operation in ("GetDatabase", "CreateDatabase", "UpdateDatabase", "DeleteDatabase"):
            return [catalog, _arn("glue", region, account, f"database/{database}")]
        if "JobName" in body or operation in ("GetJob", "CreateJob", "UpdateJob", "DeleteJob"):
            return [_arn("glue", region, account, f"job/{body.get('JobName') or body.get('Name')}")]
        if "Crawler" in operation:
            return [_arn("glue", region, account, f"crawler/{body.get('Name')}")]
        database = body.get("DatabaseName")
        table = body.get("TableName") or body.get("Name") or (body.get("TableInput") or {}).get("Name")
        if database:
            tables = (
                f"table/{database}/{table}" if table and operation != "GetTables" else f"table/{database}/*"
            )
            return [
                catalog,
                _arn("glue", region, account, f"database/{database}"),
                _arn("glue", region, account, tables),
            ]
    if service == "dynamodb" and "TableName" in body:
        return [_arn("dynamodb", region, account, f"table/{body['TableName']}")]
    if service == "sns" and body.get("TopicArn"):
        return [body["TopicArn"]]
    if service == "athena":
        group = body.get("WorkGroup") or _query_workgroup(account, region, body.get("QueryExecutionId"))
        if group:
            return [_arn("athena", region, account, f"workgroup/{group}")]
    if service == "states":
        arn = body.get("stateMachineArn") or body.get("executionArn")
        if arn:
            return [arn]
    if service == "cloudformation" and body.get("StackName"):
        return [iam_context.stack_arn(account, region, body["StackName"])]
    if service == "kms" and body.get("KeyId"):
        key = body["KeyId"]
        return [key if key.startswith("arn:") else _arn("kms", region, account, f"key/{key}")]
    return ["*"]


def _query_workgroup(account: str, region: str, query_id: str | None) -> str | None:
    """The workgroup of an Athena query (calls on a query are authorized on its workgroup)."""
    execution = athena_backends[account][region].executions.get(query_id) if query_id else None
    group = getattr(execution, "workgroup", None)
    return getattr(group, "name", group)


def _bucket_key_arn(account: str, bucket: str, region: str) -> str | None:
    """The KMS key ARN of an SSE-KMS bucket's default encryption, else None."""
    found = iam_context.bucket(account, bucket)
    if found is None:
        return None
    rules = (found.encryption or {}).get("Rule") or []
    for rule in rules if isinstance(rules, list) else [rules]:
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        key = default.get("KMSMasterKeyID")
        if default.get("SSEAlgorithm") == "aws:kms" and key:
            return iam_context.key_arn(account, region, key)
    return None


def s3_checks(request, operation: str, resource: str, account: str, region: str) -> list[iam_context.Check]:
    """(action, resource, context) an S3 request needs: its own, a copy's source, each deleted key
    of a multi-object delete, and the bucket key of SSE-KMS (a call S3 makes on the caller's behalf)."""
    action = S3_ACTIONS.get(operation, operation)
    bucket = resource.split(":::", 1)[1].split("/", 1)[0]
    own = iam_context.s3_list_context(request) if action in ("ListBucket", "ListBucketVersions") else {}
    checks = [(f"s3:{action}", resource, own)]
    if action == "DeleteObject" and "/" not in resource.split(":::", 1)[1]:  # POST ?delete
        root = ET.fromstring(request.body or b"<Delete/>")
        keys = [el.text for el in root.iter() if el.tag.endswith("Key")]
        checks = [("s3:DeleteObject", f"arn:{PARTITION}:s3:::{bucket}/{key}", {}) for key in keys]
    source = request.headers.get("x-amz-copy-source")
    if source:
        copied = f"arn:{PARTITION}:s3:::{unquote(source).lstrip('/').split('?')[0]}"
        checks.append(("s3:GetObject", copied, {}))
    key_arn = _bucket_key_arn(account, bucket, region)
    via_s3 = iam_context.kms_via_context(account, region, key_arn) if key_arn else {}
    if key_arn and action == "PutObject":
        checks.append(("kms:GenerateDataKey", key_arn, via_s3))
    if key_arn and action == "GetObject" and request.method != "HEAD":
        checks.append(("kms:Decrypt", key_arn, via_s3))
    return checks


class QueryDenied(XmlRESTError):
    code = 403


class KmsDenied(XmlRESTError):
    """SNS's answer when the publisher may not use the topic's key."""

    code = 400


def request_parameters(request) -> dict:
    """A (non-S3) request's parameters, whatever its protocol: parsed, a JSON body, or the query
    protocol's form (its top-level fields; nested ones keep their flattened names)."""
    params = getattr(request, "params", None)
    if isinstance(params, dict) and params:
        return params
    body = getattr(request, "body", None)
    if isinstance(body, dict):
        return body
    try:
        parsed = json.loads(body or "{}")
    except (TypeError, ValueError):
        parsed = None
    if isinstance(parsed, dict) and parsed:
        return parsed
    form = getattr(request, "querystring", None) or {}
    return {key: values[0] for key, values in form.items() if values}


def service_denial(request, service: str, message: str) -> Exception:
    """AccessDeniedException for JSON protocols; the query protocol's XML error otherwise (SNS
    names it AuthorizationError), with status 403."""
    content_type = request.headers.get("Content-Type") or ""
    if "json" in content_type:
        return JsonRESTError("AccessDeniedException", message)
    return QueryDenied("AuthorizationError" if service == "sns" else "AccessDenied", message)


def _authorize(original):
    def authorize(self, iam_request_cls, resource="*"):
        original(self, iam_request_cls, resource)
        found = CREDENTIAL.search(self.headers.get("Authorization") or "")
        session = session_of(found.group(1)) if found else None
        if session is None:
            return
        account, role_name, role_arn, session_arn = session
        region, service = found.group(2), found.group(3)
        operation = self._get_action()
        if service == "s3":
            checks = s3_checks(self, operation, resource, account, region)
        else:
            body = request_parameters(self)
            own = iam_context.cloudformation_context(body) if service == "cloudformation" else {}
            checks = [
                (f"{service}:{operation}", r, own)
                for r in service_resources(service, operation, body, region, account)
            ]
            checks += iam_context.implied_checks(account, region, service, operation, body)
        rules = statements(account, role_name)
        principal = iam_context.principal_context(account, role_arn, region)
        who = (account, role_arn, session_arn)
        for action, target, context in checks:
            message = refusal(rules, action, target, {**principal, **context}, who)
            if message:
                if service == "sns" and action.startswith("kms:"):
                    raise KmsDenied("KMSAccessDenied", message)
                if service != "s3":
                    raise service_denial(self, service, message)
                if self.is_delete_keys():  # moto then answers AccessDenied for each key, as S3 does
                    raise BucketAccessDeniedError(bucket=self.bucket_name)
                raise S3ClientError("AccessDenied", message)

    return authorize


def _put_policy(original):
    """A role's inline policy kept as JSON text: moto's CloudFormation stores the template's
    document as a dict, which GetRolePolicy then returns as Python's repr, not JSON."""

    def put_policy(self, policy_name, policy_json):
        text = policy_json if isinstance(policy_json, str) else json.dumps(policy_json)
        return original(self, policy_name, text)

    return put_policy


def install() -> None:
    """Patch moto's request authorization and inline role policies (idempotent; before the
    server starts)."""
    global _installed
    if _installed:
        return
    ActionAuthenticatorMixin._authenticate_and_authorize_action = _authorize(
        ActionAuthenticatorMixin._authenticate_and_authorize_action
    )
    iam_models.Role.put_policy = _put_policy(iam_models.Role.put_policy)
    # moto evaluated a bucket's policy on object calls for every caller, ignoring the statements'
    # Principal (a Deny naming one role denied everyone); resource_policies evaluates it per caller.
    FakeBucket.get_permission = lambda self, action, resource: PermissionResult.NEUTRAL
    _installed = True
