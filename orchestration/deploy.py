"""`lakehouse deploy`: one code path for AWS and for the local AWS runtime (only the endpoint
differs). The job code is a bundle (a zip of the project's packages, the three job scripts, the
validation and view SQL), built here or read from `make package`'s output; its SQL gets the
environment's database names. The ASL is inlined into the template; the stack `lakehouse-<env>` is
created or updated through a change set (reviewed, then executed; a change set without changes is
not a failure), optionally executed by a CloudFormation service role. The code goes to the
artifacts bucket under `code/<version>/`: the commit SHA in CI, else the bundle's content hash,
so redeploying unchanged code changes nothing, and a new version never overwrites what running
jobs read."""

from __future__ import annotations

import hashlib
import time

import boto3
from botocore.exceptions import ClientError

from orchestration.bundle import bundle, version_of
from orchestration.package import asl_path, package, template_path
from orchestration.sqlnames import qualify_databases
from orchestration.target import outputs, stack_name

DONE = {"CREATE_COMPLETE", "UPDATE_COMPLETE"}
FAILED_SUFFIXES = ("_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_IN_PROGRESS")
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
# CloudFormation takes at most this many bytes inline (TemplateBody); a larger template goes through
# S3 (TemplateURL), in the deploy bucket of orchestration/bootstrap.yaml.
INLINE_TEMPLATE_LIMIT = 51_200
# A stack whose creation failed cannot be updated: it must be deleted first.
DEAD = {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED"}


def artifacts(env: str, files: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """The bundle (built now unless given) with its SQL naming the environment's databases."""
    files = dict(bundle() if files is None else files)
    for key in files:
        if key.startswith("sql/") and key.endswith(".sql"):
            files[key] = qualify_databases(files[key].decode(), env).encode()
    return files


def wait(cfn, name: str, poll: float, timeout: float = 1800) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
        if status in DONE:
            return status
        if status.endswith(FAILED_SUFFIXES):
            events = cfn.describe_stack_events(StackName=name)["StackEvents"]
            reasons = [
                f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}"
                for e in events
                if "FAILED" in e["ResourceStatus"]
            ]
            raise RuntimeError(f"stack {name} ended {status}: {'; '.join(reasons[:5])}")
        time.sleep(poll)
    raise TimeoutError(f"stack {name} not ready after {timeout:.0f} s")


def upload(s3, bucket: str, version: str, files: dict[str, bytes]) -> None:
    for key, body in files.items():
        s3.put_object(Bucket=bucket, Key=f"code/{version}/{key}", Body=body)


def template_source(s3, body: str, name: str, bucket: str | None) -> dict:
    """TemplateBody, or the template put in `bucket` (under its content hash) as TemplateURL."""
    if not bucket:
        return {"TemplateBody": body}
    key = f"templates/{name}/{hashlib.sha256(body.encode()).hexdigest()[:16]}.json"
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode())
    return {"TemplateURL": f"https://{bucket}.s3.{s3.meta.region_name}.amazonaws.com/{key}"}


def stack_status(cfn, name: str) -> str | None:
    try:
        status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    return None if status == "DELETE_COMPLETE" else status


def wait_change_set(cfn, stack: str, name: str, poll: float, timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = cfn.describe_change_set(StackName=stack, ChangeSetName=name)
        if found["Status"] in ("CREATE_COMPLETE", "FAILED"):
            return found
        time.sleep(poll)
    raise TimeoutError(f"change set {name} of {stack} not ready after {timeout:.0f} s")


def apply_change_set(cfn, request: dict, kind: str, poll: float, log) -> bool:
    """Create the change set, show what it changes, execute it and wait; False when it has no
    changes (the change set is deleted, the stack is left as it is)."""
    stack, name = request["StackName"], f"deploy-{int(time.time() * 1000)}"
    cfn.create_change_set(ChangeSetName=name, ChangeSetType=kind, **request)
    found = wait_change_set(cfn, stack, name, poll)
    if found["Status"] == "FAILED":
        reason = found.get("StatusReason", "")
        if any(marker in reason for marker in NO_CHANGES):
            cfn.delete_change_set(StackName=stack, ChangeSetName=name)
            return False
        raise RuntimeError(f"change set {name} of {stack} failed: {reason}")
    changes = [c["ResourceChange"] for c in found.get("Changes", []) if "ResourceChange" in c]
    for change in changes:
        log(f"  {change.get('Action', '?'):<7} {change['LogicalResourceId']} ({change['ResourceType']})")
    cfn.execute_change_set(StackName=stack, ChangeSetName=name)
    wait(cfn, stack, poll)
    return True


def deploy(
    env: str,
    endpoint: str | None = None,
    parameters: dict[str, str] | None = None,
    log=print,
    *,
    files: dict[str, bytes] | None = None,
    code_version: str | None = None,
    role_arn: str | None = None,
    template_bucket: str | None = None,
) -> dict:
    """Create or update the stack through a change set; returns its outputs, the code version and
    whether the stack changed. `files`: a bundle from `make package` (default: built now);
    `code_version`: e.g. the commit SHA (default: the content hash); `role_arn`: the service role
    CloudFormation acts as (default: the caller's credentials); `template_bucket`: where the
    template goes for CloudFormation to read (required on AWS: it is over the inline limit)."""
    body = package(template_path().read_text(), asl_path().read_text())
    if not template_bucket and endpoint is None and len(body.encode()) > INLINE_TEMPLATE_LIMIT:
        raise ValueError(
            f"the packaged template is {len(body.encode()):,} bytes, over CloudFormation's inline limit "
            f"of {INLINE_TEMPLATE_LIMIT:,}: give the bootstrap stack's DeployBucket "
            "(--template-bucket or LAKEHOUSE_TEMPLATE_BUCKET)"
        )
    session = boto3.session.Session()
    cfn = session.client("cloudformation", endpoint_url=endpoint)
    s3 = session.client("s3", endpoint_url=endpoint)
    files = artifacts(env, files)
    version = code_version or version_of(files)
    params = {"Environment": env, "CodeVersion": version, **(parameters or {})}
    name = stack_name(env)
    request = {
        "StackName": name,
        **template_source(s3, body, name, template_bucket),
        "Parameters": [{"ParameterKey": k, "ParameterValue": str(v)} for k, v in params.items()],
        "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
        **({"RoleARN": role_arn} if role_arn else {}),
    }
    poll = 1.0 if endpoint else 10.0
    status = stack_status(cfn, name)
    if status in DEAD:
        raise RuntimeError(
            f"stack {name} is {status} (its creation failed): delete it, then deploy again "
            f"(aws cloudformation delete-stack --stack-name {name})"
        )
    exists = status not in (None, "REVIEW_IN_PROGRESS")  # REVIEW: a change set never executed
    if exists:
        upload(s3, outputs(cfn, name)["ArtifactsBucket"], version, files)
        log(f"code {version} uploaded; change set for stack {name}:")
        changed = apply_change_set(cfn, request, "UPDATE", poll, log)
        log(f"stack {name} updated" if changed else f"stack {name} unchanged")
    else:
        log(f"change set creating stack {name}:")
        changed = apply_change_set(cfn, request, "CREATE", poll, log)
        upload(s3, outputs(cfn, name)["ArtifactsBucket"], version, files)
        log(f"code {version} uploaded")
    return {**outputs(cfn, name), "CodeVersion": version, "StackName": name, "Changed": changed}
