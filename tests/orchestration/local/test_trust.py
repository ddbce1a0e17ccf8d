"""orchestration.local.trust on a live server: Step Functions and Glue assume their roles only
when the roles trust them, as on AWS."""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

from orchestration.local import glue_runs, trust
from tests.orchestration.local.test_moto_fixes import ECHO, _name

ACCOUNT = "123456789012"


def _role(client, service: str, condition: dict | None = None) -> str:
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    return client("iam").create_role(RoleName=_name("role"), AssumeRolePolicyDocument=document)["Role"]["Arn"]


def _create(client, role: str) -> str:
    sfn = client("stepfunctions")
    return sfn.create_state_machine(name=_name("sm"), definition=json.dumps(ECHO), roleArn=role)[
        "stateMachineArn"
    ]


@pytest.mark.parametrize(
    "role",
    [
        lambda client: _role(client, "glue.amazonaws.com"),
        lambda client: _role(
            client, "states.amazonaws.com", {"StringEquals": {"aws:SourceAccount": "1" * 12}}
        ),
        lambda client: f"arn:aws:iam::{ACCOUNT}:role/{_name('missing')}",
    ],
    ids=["trusts-glue", "trusts-states-of-another-account", "missing"],
)
def test_a_state_machine_needs_a_role_that_trusts_step_functions(client, role):
    with pytest.raises(ClientError) as raised:
        _create(client, role(client))

    assert raised.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "states.amazonaws.com" in raised.value.response["Error"]["Message"]


def test_a_role_that_trusts_step_functions_in_this_account_is_taken_and_kept(client):
    trusted = _role(client, "states.amazonaws.com", {"StringEquals": {"aws:SourceAccount": ACCOUNT}})
    arn = _create(client, trusted)

    with pytest.raises(ClientError) as raised:
        client("stepfunctions").update_state_machine(
            stateMachineArn=arn, roleArn=_role(client, "glue.amazonaws.com")
        )

    assert raised.value.response["Error"]["Code"] == "AccessDeniedException"
    assert client("stepfunctions").describe_state_machine(stateMachineArn=arn)["roleArn"] == trusted


def test_a_glue_job_whose_role_does_not_trust_glue_fails_as_its_run_starts(client, monkeypatch, tmp_path):
    glue = client("glue")
    job = _name("job")
    role = _role(client, "states.amazonaws.com")
    glue.create_job(Name=job, Role=role, Command={"Name": "glueetl", "ScriptLocation": "s3://a/job.py"})
    glue_runs.install()
    monkeypatch.setitem(glue_runs._settings, "endpoint", "http://127.0.0.1:1")  # no driver is reached
    monkeypatch.setitem(glue_runs._settings, "workdir", tmp_path)

    run_id = glue.start_job_run(JobName=job)["JobRunId"]
    time.sleep(0.1)
    run = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]

    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == f"Glue cannot assume the job's role {role}: it does not trust {trust.GLUE}"
