"""`lakehouse deploy`: one code path for AWS and for the local AWS runtime (only the endpoint
differs). It builds the job code (a zip of the project's packages, the three job scripts, the
validation SQL with the environment's database names), inlines the ASL into the template, then
creates or updates the stack `lakehouse-<env>` and uploads the code to the artifacts bucket under
`code/<version>/`, where the version is the code's content hash: redeploying unchanged code
changes nothing, and a new version never overwrites what running jobs read."""

from __future__ import annotations

import hashlib
import io
import time
import zipfile
from pathlib import Path

import boto3
from botocore.exceptions import ClientError

from orchestration.package import asl_path, package, template_path
from orchestration.sqlnames import qualify_databases

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bronze", "silver", "gold", "shared")
JOBS = {"bronze": "bronze/job.py", "silver": "silver/job.py", "gold": "gold/job.py"}
VALIDATION_DIR = ROOT / "sql" / "validation"
DONE = {"CREATE_COMPLETE", "UPDATE_COMPLETE"}
FAILED_SUFFIXES = ("_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_IN_PROGRESS")
ZIP_TIME = (2000, 1, 1, 0, 0, 0)  # fixed entry times: the same code gives the same bytes


def stack_name(env: str) -> str:
    return f"lakehouse-{env}"


def code_zip() -> bytes:
    """The importable packages, as Glue's --extra-py-files takes them."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for package_name in PACKAGES:
            for path in sorted((ROOT / package_name).rglob("*.py")):
                info = zipfile.ZipInfo(str(path.relative_to(ROOT)), ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    return out.getvalue()


def artifacts(env: str) -> dict[str, bytes]:
    """{key under code/<version>/: content}."""
    files = {"lakehouse.zip": code_zip()}
    for name, script in JOBS.items():
        # Not `<layer>.py`: Glue puts the script's folder first on sys.path, where a file named
        # like the package would shadow it.
        files[f"jobs/{name}_job.py"] = (ROOT / script).read_bytes()
    for sql in sorted(VALIDATION_DIR.glob("*.sql")):
        files[f"sql/validation/{sql.name}"] = qualify_databases(sql.read_text(), env).encode()
    return files


def version_of(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for key in sorted(files):
        digest.update(key.encode() + b"\0" + hashlib.sha256(files[key]).digest())
    return digest.hexdigest()[:16]


def outputs(cfn, name: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


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


def stack_exists(cfn, name: str) -> bool:
    try:
        status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    except ClientError as error:
        if "does not exist" in str(error):
            return False
        raise
    return status != "DELETE_COMPLETE"


def deploy(
    env: str, endpoint: str | None = None, parameters: dict[str, str] | None = None, log=print
) -> dict:
    """Create or update the stack; returns its outputs plus the code version."""
    session = boto3.session.Session()
    cfn = session.client("cloudformation", endpoint_url=endpoint)
    s3 = session.client("s3", endpoint_url=endpoint)
    files = artifacts(env)
    version = version_of(files)
    body = package(template_path().read_text(), asl_path().read_text())
    params = {"Environment": env, "CodeVersion": version, **(parameters or {})}
    request = {
        "StackName": stack_name(env),
        "TemplateBody": body,
        "Parameters": [{"ParameterKey": k, "ParameterValue": str(v)} for k, v in params.items()],
        "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    }
    poll = 1.0 if endpoint else 10.0
    name = stack_name(env)
    if stack_exists(cfn, name):
        upload(s3, outputs(cfn, name)["ArtifactsBucket"], version, files)
        log(f"code {version} uploaded; updating stack {name}")
        try:
            cfn.update_stack(**request)
            wait(cfn, name, poll)
        except ClientError as error:
            if "No updates are to be performed" not in str(error):
                raise
            log("stack unchanged")
    else:
        log(f"creating stack {name}")
        cfn.create_stack(**request)
        wait(cfn, name, poll)
        upload(s3, outputs(cfn, name)["ArtifactsBucket"], version, files)
        log(f"code {version} uploaded")
    return {**outputs(cfn, name), "CodeVersion": version, "StackName": name}
