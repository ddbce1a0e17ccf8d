"""The GitHub workflows' policy: triggers reach main only, every job has a timeout, every action is
pinned to a commit, AWS credentials come from OIDC only, deploy jobs run behind the main-only gate
and an environment, and steps run the Makefile's targets (the same a developer runs). Each rule is
also shown to catch a workflow that breaks it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ALLOWED_TRIGGERS = {"push", "pull_request", "workflow_run", "workflow_dispatch", "schedule"}
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
# Long-lived AWS keys, by input name, variable name or secret name.
KEY_PATTERNS = re.compile(
    r"aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AKIA[0-9A-Z]{16}"
)
MAIN_GATE = "github.ref == 'refs/heads/main'"
# The one step that is not a make target: the gate's lookup of the CI run of the commit (GitHub API).
NOT_MAKE = {("deploy.yml", "gate")}


def parse(text: str) -> dict:
    workflow = yaml.safe_load(text)
    # YAML 1.1 reads the key `on` as True.
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def load(path: Path) -> dict:
    return parse(path.read_text())


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][\w-]*):", text, flags=re.MULTILINE))


def trigger_violations(workflow: dict) -> list[str]:
    on = workflow["on"]
    triggers = {on: None} if isinstance(on, str) else on
    found = [f"trigger {name} is not allowed" for name in set(triggers) - ALLOWED_TRIGGERS]
    for name in ("push", "pull_request", "workflow_run"):
        if name in triggers:
            spec = triggers[name] or {}
            if spec.get("branches") != ["main"]:
                found.append(f"{name} must name branches: [main], has {spec.get('branches')}")
            for key in ("tags", "branches-ignore", "tags-ignore"):
                if key in spec:
                    found.append(f"{name} must not use {key}")
    return found


def job_violations(workflow: dict, name: str, targets: set[str]) -> list[str]:
    found = []
    jobs = workflow["jobs"]
    for job_name, job in jobs.items():
        if not isinstance(job.get("timeout-minutes"), int):
            found.append(f"job {job_name} has no timeout-minutes")
        permissions = job.get("permissions", workflow.get("permissions"))
        oidc = isinstance(permissions, dict) and permissions.get("id-token") == "write"
        for step in job.get("steps", []):
            uses = step.get("uses", "")
            if uses and not uses.startswith("./") and not PINNED.match(uses):
                found.append(f"job {job_name}: action {uses} is not pinned to a commit SHA")
            if "configure-aws-credentials" in uses:
                inputs = step.get("with", {})
                if "role-to-assume" not in inputs or not oidc:
                    found.append(
                        f"job {job_name}: AWS credentials without OIDC (role-to-assume, id-token: write)"
                    )
            run = step.get("run")
            if run and (name, job_name) not in NOT_MAKE:
                command = run.split()
                if command[:1] != ["make"] or command[1] not in targets:
                    found.append(f"job {job_name}: step runs {run.splitlines()[0]!r}, not a make target")
        if oidc:
            if not job.get("environment"):
                found.append(f"job {job_name} gets an OIDC token outside a GitHub environment")
            if not gated(jobs, job_name):
                found.append(f"job {job_name} gets an OIDC token without the main-only gate")
    return found


def gated(jobs: dict, job_name: str) -> bool:
    """The job, or a job it needs (transitively), runs only for main."""
    job = jobs[job_name]
    if MAIN_GATE in str(job.get("if", "")) and "head_branch == 'main'" in str(job.get("if", "")):
        return True
    needs = job.get("needs", [])
    return any(gated(jobs, need) for need in ([needs] if isinstance(needs, str) else needs))


def violations(path: Path, text: str | None = None) -> list[str]:
    text = path.read_text() if text is None else text
    workflow = parse(text)
    found = trigger_violations(workflow) + job_violations(workflow, path.name, make_targets())
    found += [f"long-lived AWS key reference: {m}" for m in KEY_PATTERNS.findall(text)]
    if workflow.get("permissions") != {"contents": "read"}:
        found.append("top-level permissions must be {contents: read}")
    return found


def test_there_are_the_ci_and_deploy_workflows():
    assert {p.name for p in WORKFLOWS} == {"ci.yml", "deploy.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_follows_the_policy(path):
    assert violations(path) == []


def test_ci_runs_the_local_checks_and_deploy_ships_what_ci_packaged():
    ci, deploy = load(ROOT / ".github/workflows/ci.yml"), load(ROOT / ".github/workflows/deploy.yml")
    runs = {job: [s.get("run") for s in spec["steps"] if s.get("run")] for job, spec in ci["jobs"].items()}
    assert runs == {
        "lint": ["make lint"],
        "unit": ["make setup-browser", "make test-unit"],
        "integration": ["make test-integration"],
        "slow": ["make test-slow"],
        "package": ["make package"],
    }
    assert deploy["on"]["workflow_run"]["workflows"] == [ci["name"]]
    assert deploy["concurrency"]["cancel-in-progress"] is False
    assert deploy["jobs"]["production"]["needs"] == ["gate", "staging"]
    for env in ("staging", "production"):
        job = deploy["jobs"][env]
        assert job["environment"] == env
        assert any(f"make deploy ENV={env} BUNDLE=dist/glue" in (s.get("run") or "") for s in job["steps"])


BAD = """
name: bad
on:
  push:
    branches: [main, release]
  pull_request_target:
permissions: write-all
jobs:
  ship:
    runs-on: ubuntu-24.04
    permissions: {id-token: write}
    steps:
      - uses: actions/checkout@v5
      - uses: aws-actions/configure-aws-credentials@61815dcd50bd041e203e49132bacad1fd04d2708
        with:
          aws-access-key-id: ${{ secrets.KEY }}
      - run: python deploy.py
"""


def test_the_policy_catches_each_kind_of_violation():
    found = "\n".join(violations(Path("bad.yml"), BAD))
    for expected in (
        "push must name branches: [main]",
        "trigger pull_request_target is not allowed",
        "job ship has no timeout-minutes",
        "action actions/checkout@v5 is not pinned",
        "AWS credentials without OIDC",
        "not a make target",
        "OIDC token outside a GitHub environment",
        "OIDC token without the main-only gate",
        "long-lived AWS key reference",
        "top-level permissions",
    ):
        assert expected in found, expected
