"""`lakehouse release` (what `make deploy ENV=local` and the deploy workflow run) on the local AWS
runtime, as the bootstrap stack's deploy role: the stack through a change set passing the
execution role, the smoke sample through the state machine, the Athena views in the Glue catalog;
then a redeploy without changes (an empty change set is not a failure) and one with a new code
version."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration import operate
from orchestration.bundle import bundle
from orchestration.deploy import deploy
from orchestration.local.athena_views import VIRTUAL_VIEW
from orchestration.local.server import LocalAws
from orchestration.release import create_views
from orchestration.target import LOCAL_ENV, Target

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def aws(tmp_path_factory):
    with LocalAws(port=None, workdir=tmp_path_factory.mktemp("local-aws")) as runtime:
        yield runtime


def test_release_deploys_runs_the_smoke_sample_and_creates_the_views(aws):
    command = [sys.executable, "-m", "lakehouse.cli", "release", "--local", "--endpoint", aws.endpoint]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    # As the deploy workflow: a session of the bootstrap stack's deploy role (its policy evaluated).
    role = "arn:aws:iam::123456789012:role/lakehouse-bootstrap/lakehouse-deploy-local"
    assert f"acting as {role}" in done.stderr
    result = json.loads(done.stdout)
    assert result["deploy"]["Changed"] is True
    assert result["smoke"] == {"mode": "sample", "files": 3, "executions": 3, "status": "SUCCEEDED"}
    views = {v["view"]: v["status"] for v in result["views"]}
    assert views == {f"gold.{n}": "created" for n in ("department_trends", "reorder_rates", "weekly_sales")}

    target = Target(LOCAL_ENV, aws.endpoint)
    version = result["deploy"]["CodeVersion"]
    assert f"code/{version}/sql/views/weekly_sales.sql" in operate.list_keys(
        target, f"code/{version}/", "ArtifactsBucket"
    )
    table = target.client("glue").get_table(DatabaseName="local_gold", Name="weekly_sales")["Table"]
    assert table["TableType"] == VIRTUAL_VIEW
    weekly = operate.athena_query(target, "select sum(orders) as orders from gold.weekly_sales")
    daily = operate.athena_query(target, "select sum(orders) as orders from gold.daily_sales")
    assert weekly["state"] == "SUCCEEDED" and weekly["rows"] == daily["rows"] != [[None]]
    assert operate.list_keys(target, "raw/") == []

    # The same code again: the change set has no changes, the stack is left as it was.
    again = deploy(LOCAL_ENV, aws.endpoint, {}, log=lambda _: None, files=bundle())
    assert again["Changed"] is False and again["CodeVersion"] == version
    assert [v["status"] for v in create_views(target, bundle(), lambda _: None)] == ["created"] * 3
    # A commit SHA as the version: the jobs read the code under its prefix.
    sha = "0123456789abcdef0123456789abcdef01234567"  # pragma: allowlist secret
    moved = deploy(LOCAL_ENV, aws.endpoint, {}, log=lambda _: None, code_version=sha)
    assert moved["Changed"] is True
    job = target.client("glue").get_job(JobName=moved["BronzeJob"])["Job"]
    assert job["Command"]["ScriptLocation"].startswith(f"s3://{moved['ArtifactsBucket']}/code/{sha}/")
