"""The deploy as the deploy workflow makes it, on the local runtime: the bootstrap stack's deploy
role (orchestration.bootstrap), whose calls are evaluated against its policy with their
conditions. A change set must pass the execution role; a statement the deploy needs and the role
lacks fails the deploy with AccessDenied naming the action, as the first deploy on AWS would.
(`test_release.py` runs the whole release, smoke run and views included, as that role.)"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from orchestration import bootstrap
from orchestration.deploy import deploy

ENV = "boot"
POLICY = "deploy-lakehouse"


def deploy_as_role(aws, **options) -> dict:
    with bootstrap.as_deploy_role(ENV, aws.endpoint, log=lambda _: None) as workflow:
        return deploy(ENV, aws.endpoint, log=lambda _: None, **{**workflow, **options})


def deploy_role_policy(aws, statements=None) -> list[dict]:
    """The deploy role's statements; with `statements`, put those instead."""
    iam = boto3.client("iam", endpoint_url=aws.endpoint)
    role = f"lakehouse-deploy-{ENV}"
    if statements is not None:
        document = {"Version": "2012-10-17", "Statement": statements}
        iam.put_role_policy(RoleName=role, PolicyName=POLICY, PolicyDocument=json.dumps(document))
    return iam.get_role_policy(RoleName=role, PolicyName=POLICY)["PolicyDocument"]["Statement"]


def test_a_change_set_that_does_not_pass_the_execution_role_is_denied(aws):
    with pytest.raises(ClientError) as denied:
        deploy_as_role(aws, role_arn=None)  # CloudFormation would act with the deploy role itself
    message = str(denied.value)
    assert "AccessDenied" in message and "cloudformation:CreateChangeSet" in message, message
    assert f"assumed-role/lakehouse-deploy-{ENV}/" in message


def test_one_statement_less_and_the_deploy_is_denied_naming_the_action(aws):
    bootstrap.bootstrap(ENV, aws.endpoint)
    full = deploy_role_policy(aws)
    less = [s for s in full if s.get("Sid") != "PutAndReadTheTemplate"]
    assert len(less) == len(full) - 1
    deploy_role_policy(aws, less)
    try:
        with pytest.raises(ClientError) as denied:
            deploy_as_role(aws)
    finally:
        deploy_role_policy(aws, full)
    message = str(denied.value)
    assert "AccessDenied" in message and "s3:PutObject" in message, message
    assert f"lakehouse-deploy-{ENV}-" in message and "/templates/lakehouse-boot/" in message


def test_only_main_of_the_repository_in_its_environment_may_take_the_deploy_role(aws):
    role = bootstrap.bootstrap(ENV, aws.endpoint)["DeployRoleArn"]
    assert bootstrap.deploy_role_credentials(ENV, aws.endpoint, role)["AWS_ACCESS_KEY_ID"]
    refused = {
        "a branch": (bootstrap.github_token(ENV, ref="refs/heads/feature"), "AccessDenied"),
        "another environment": (bootstrap.github_token("prod"), "AccessDenied"),
        "another audience": (bootstrap.github_token(ENV, audience="someone"), "InvalidIdentityToken"),
        "not a token": ("not-a-jwt", "InvalidIdentityToken"),
    }
    for why, (token, code) in refused.items():
        with pytest.raises(ClientError) as caught:
            bootstrap.deploy_role_credentials(ENV, aws.endpoint, role, token)
        assert caught.value.response["Error"]["Code"] == code, why
