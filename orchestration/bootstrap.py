"""The bootstrap stack (orchestration/bootstrap.yaml) and the deploy role it defines, as the local
release uses them: an administrator's credentials create `lakehouse-bootstrap-<env>`, then the
release acts as the deploy workflow does on AWS, with a session of DeployRole obtained through
AssumeRoleWithWebIdentity, its change sets passing CloudFormationExecutionRole and its template
going through DeployBucket. The local runtime evaluates that session's calls against DeployRole's
policy (orchestration.local.iam), so a call the workflow makes and the role does not allow fails
locally with AccessDenied, as it would in the first deploy on AWS."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import time
from pathlib import Path

import boto3

# The repository and OIDC provider the local bootstrap names (no GitHub here: the local runtime
# checks the token's claims against the deploy role's trust, not its signature).
LOCAL_REPOSITORY = "local/lakehouse"
GITHUB_ISSUER = "token.actions.githubusercontent.com"
BOOTSTRAP = Path(__file__).with_name("bootstrap.yaml")
CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def stack_name(env: str) -> str:
    return f"lakehouse-bootstrap-{env}"


def bootstrap(env: str, endpoint: str | None, timeout: float = 120) -> dict:
    """Create the bootstrap stack (or leave the existing one); returns its outputs."""
    cfn = boto3.session.Session().client("cloudformation", endpoint_url=endpoint)
    name = stack_name(env)
    existing = [s for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == name]
    if not any(s["StackStatus"] != "DELETE_COMPLETE" for s in existing):
        parameters = {
            "GitHubRepository": LOCAL_REPOSITORY,
            "Environment": env,
            "CreateOidcProvider": "false",
            "ExistingOidcProviderArn": github_oidc_provider(endpoint),
        }
        cfn.create_stack(
            StackName=name,
            TemplateBody=BOOTSTRAP.read_text(),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            Capabilities=["CAPABILITY_NAMED_IAM"],
        )
    deadline = time.monotonic() + timeout
    while (stack := cfn.describe_stacks(StackName=name)["Stacks"][0])["StackStatus"].endswith("IN_PROGRESS"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"stack {name} still {stack['StackStatus']}")
        time.sleep(0.5)
    if stack["StackStatus"] not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        raise RuntimeError(f"stack {name} is {stack['StackStatus']}: {stack.get('StackStatusReason')}")
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def github_oidc_provider(endpoint: str | None) -> str:
    """The account's GitHub OIDC provider, created if missing (once per account, by an
    administrator: the bootstrap stack is given it, as for a second environment)."""
    iam = boto3.session.Session().client("iam", endpoint_url=endpoint)
    url = f"https://{GITHUB_ISSUER}"
    for listed in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        if listed["Arn"].endswith(f"/{GITHUB_ISSUER}"):
            return listed["Arn"]
    # No ThumbprintList: IAM trusts GitHub's issuer through its own root CAs.
    created = iam.create_open_id_connect_provider(Url=url, ClientIDList=["sts.amazonaws.com"])
    return created["OpenIDConnectProviderArn"]


def github_token(env: str, ref: str = "refs/heads/main", audience: str = "sts.amazonaws.com") -> str:
    """An unsigned token with the claims GitHub's OIDC token carries for a deploy job of `env` on
    `ref` (the repository's subject template: repo, context, ref)."""
    claims = {
        "iss": f"https://{GITHUB_ISSUER}",
        "aud": audience,
        "sub": f"repo:{LOCAL_REPOSITORY}:environment:{env}:ref:{ref}",
    }
    part = lambda data: base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{part({'alg': 'none'})}.{part(claims)}."


def deploy_role_credentials(env: str, endpoint: str | None, role_arn: str, token: str | None = None) -> dict:
    """A session of the deploy role, as the workflow's configure-aws-credentials step gets it."""
    sts = boto3.session.Session().client("sts", endpoint_url=endpoint)
    request = {"RoleArn": role_arn, "RoleSessionName": f"lakehouse-deploy-{env}"}
    found = sts.assume_role_with_web_identity(**request, WebIdentityToken=token or github_token(env))
    found = found["Credentials"]
    values = (found["AccessKeyId"], found["SecretAccessKey"], found["SessionToken"])
    return dict(zip(CREDENTIAL_VARIABLES, values, strict=True))


@contextlib.contextmanager
def as_deploy_role(env: str, endpoint: str | None, log=print):
    """Bootstrap, then act as the deploy role inside the block (this process's AWS credentials);
    yields the deploy options the workflow passes (role_arn, template_bucket)."""
    outputs = bootstrap(env, endpoint)
    log(f"bootstrap stack {stack_name(env)} ready; acting as {outputs['DeployRoleArn']}")
    saved = {key: os.environ.get(key) for key in CREDENTIAL_VARIABLES}
    os.environ.update(deploy_role_credentials(env, endpoint, outputs["DeployRoleArn"]))
    try:
        yield {
            "role_arn": outputs["CloudFormationExecutionRoleArn"],
            "template_bucket": outputs["DeployBucket"],
        }
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
