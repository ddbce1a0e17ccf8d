"""Glue job runs that run: each StartJobRun on the local AWS runtime executes the job's real script
(ScriptLocation, from the artifacts bucket) with its arguments and its `--extra-py-files` first on
the path, on a warm local Spark driver (orchestration.local.glue_pool) whose `s3://` goes through
S3A to the runtime. The driver gets every `--conf` of the job unchanged and the jars its
`--extra-jars` names (fetched from the runtime's S3), beside what Glue 5.1 provides (Spark, Delta,
S3 and the AWS SDK v2 S3 client: shared.spark). The run's state follows the script: RUNNING
while it runs, SUCCEEDED on exit 0, FAILED with the error line as ErrorMessage (also when it
kills its driver), TIMEOUT after the run's Timeout (minutes), STOPPED after BatchStopJobRun (both
end the driver). moto's own MaxConcurrentRuns check sees these states, so excess runs fail with
ConcurrentRunsExceededException as on AWS.

What differs from Glue: workers are one local[*] Spark driver of DRIVER_MEMORY, on this machine."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

from moto.glue import models as glue_models
from moto.glue import responses as glue_responses
from moto.s3.models import s3_backends

from orchestration.local import iam, trust
from orchestration.local.glue_pool import DriverDied, Pool
from shared.spark import COMMON_CONF, LOCAL_CONF, S3_ENDPOINT_ENV, SPARK_CONF_ENV, s3a_conf

ERROR_LINE = re.compile(r"^\s*([\w.]+(Error|Exception|Exit)\b.*)$")
# A local driver's heap, unless the job's --conf sets one: a layer's Map runs MapConcurrency (3)
# drivers at once beside the caller's own Spark, on one machine (a Glue G.1X worker has 16 GB).
DRIVER_MEMORY = "1g"
GLUE_SESSION = "GlueJobRunnerSession"  # the session name Glue gives a job run's role
RUNNING, SUCCEEDED, FAILED, TIMEOUT, STOPPED = "RUNNING", "SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED"

_settings: dict = {"endpoint": None, "workdir": None}
_installed = False
_pool = Pool()


def configure(endpoint: str | None, workdir: Path | None = None) -> None:
    """Where the runtime listens (the jobs' AWS endpoint) and where runs keep code and logs.
    `None`: no runtime (it stopped), so job runs are moto's own records again."""
    _settings.update(endpoint=endpoint, workdir=Path(workdir) if workdir else None)


def spark_confs(conf_argument: str | None) -> dict[str, str]:
    """Glue's chained `--conf a=b --conf c=d` value as a dict."""
    confs = {}
    for part in re.split(r"\s*--conf\s+", (conf_argument or "").strip()):
        key, sep, value = part.partition("=")
        if sep:
            confs[key.strip()] = value.strip()
    return confs


def error_message(log: str) -> str:
    """The last exception line of the job's output (what Glue shows as ErrorMessage), with the Java
    error a Py4JJavaError carries on its next line (`: org.apache...: the cause`)."""
    lines = [line for line in log.splitlines() if line.strip()]
    for at in range(len(lines) - 1, -1, -1):
        match = ERROR_LINE.match(lines[at])
        if match:
            cause = lines[at + 1] if at + 1 < len(lines) and lines[at + 1].startswith(": ") else ""
            return (match.group(1) + " " + cause).strip()[:2000]
    return (lines[-1] if lines else "the job exited with an error")[:2000]


def object_bytes(account_id: str, uri: str) -> bytes:
    """An s3:// object of the runtime (read in process, not over HTTP)."""
    parsed = urlparse(uri)
    key = s3_backends[account_id]["aws"].get_object(parsed.netloc, parsed.path.lstrip("/"))
    if key is None:
        raise FileNotFoundError(f"{uri} does not exist")
    return key.value


def fetch(account_id: str, uri: str, target: Path) -> Path:
    """Copy an s3:// object of the runtime to a local file."""
    body = object_bytes(account_id, uri)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    return target


def extra_jars(account_id: str, argument: str | None) -> list[str]:
    """The local copies of the jars `--extra-jars` names (comma-separated s3:// URIs), each kept
    once per content (<workdir>/glue/jars/<sha256>/<name>), so runs of the same jar share drivers."""
    jars = []
    for uri in (argument or "").split(","):
        if not uri.strip():
            continue
        body = object_bytes(account_id, uri.strip())
        kept = _settings["workdir"] / "glue" / "jars" / hashlib.sha256(body).hexdigest()
        kept /= Path(urlparse(uri.strip()).path).name
        if not kept.is_file():
            kept.parent.mkdir(parents=True, exist_ok=True)
            scratch = kept.with_name(f".{uuid.uuid4().hex}")
            scratch.write_bytes(body)
            scratch.replace(kept)  # whole or absent, when two runs fetch it at once
        jars.append(str(kept))
    return jars


class LocalRun:
    """One job run on a warm driver (orchestration.local.glue_pool) and its Glue-visible state."""

    def __init__(self, key: str, env: dict, request: dict, timeout_minutes: int | None):
        self.state, self.error, self.finished = RUNNING, None, None
        self.script_seconds: float | None = None  # the job script's own wall time
        self.started = dt.datetime.now(dt.UTC)
        self.log_path = Path(request["log"])
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path.touch()
        self._stop_reason: str | None = None
        self._key = key
        self._driver = _pool.acquire(key, env, _settings["workdir"] / "glue" / "drivers")
        limit = timeout_minutes * 60 if timeout_minutes else None
        threading.Thread(target=self._watch, args=(request, limit), daemon=True).start()

    def _watch(self, request: dict, limit: float | None) -> None:
        deadline = time.monotonic() + limit if limit else None
        reusable, code = False, None
        try:
            answer = self._driver.run(request, deadline)
            code, reusable, self.script_seconds = answer["code"], answer["reusable"], answer["seconds"]
        except TimeoutError:
            self._stop_reason = self._stop_reason or TIMEOUT
        except DriverDied as died:
            with open(self.log_path, "a") as log:
                log.write(f"\nGlueDriverExit: {died}\n")
        if code is None:
            _pool.discard(self._driver)
        else:
            _pool.release(self._key, self._driver, reusable and self._stop_reason is None)
        self.finished = dt.datetime.now(dt.UTC)
        if self._stop_reason == TIMEOUT:
            self.state, self.error = TIMEOUT, f"Job run timed out after {limit / 60:g} minutes"
        elif self._stop_reason == STOPPED:
            self.state = STOPPED
        elif code == 0:
            self.state = SUCCEEDED
        else:
            self.state = FAILED
            self.error = error_message(self.log_path.read_text(errors="replace"))

    def stop(self) -> None:
        if self.finished is None:
            self._stop_reason = STOPPED
            _pool.discard(self._driver)


def role_arn(job) -> str:
    """The job's Role as an ARN (Glue takes a role name too)."""
    role = job.role or ""
    return role if role.startswith("arn:") else f"arn:aws:iam::{job.backend.account_id}:role/{role}"


def driver_env(job, args: dict | None = None) -> tuple[str, dict]:
    """The environment of a driver for a run of a job with these arguments (default: the job's
    own), and the pool key of its settings: the job's role (the driver acts with a session of it:
    orchestration.local.iam) and the Spark settings the driver ends up with (shared.spark's, then
    the `--conf` and `--extra-jars`), so runs with the same role and settings share drivers."""
    args = (job.default_arguments or {}) if args is None else args
    confs = spark_confs(args.get("--conf"))
    confs.setdefault("spark.driver.memory", DRIVER_MEMORY)
    jars = extra_jars(job.backend.account_id, args.get("--extra-jars"))
    if jars:
        confs["spark.jars"] = ",".join(jars)
    role = role_arn(job)
    endpoint = _settings["endpoint"]
    effective = {**COMMON_CONF, **LOCAL_CONF, **s3a_conf(endpoint), **confs, "role": role}
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    env = {
        **os.environ,
        **iam.role_credentials(role, GLUE_SESSION, region),
        S3_ENDPOINT_ENV: endpoint,
        "AWS_ENDPOINT_URL": endpoint,
        SPARK_CONF_ENV: json.dumps(confs, sort_keys=True),
    }
    env.pop("PYTHONPATH", None)
    return json.dumps(effective, sort_keys=True), env


def launch(job, run) -> LocalRun:
    """Start `run` of `job`: fetch the script and extra Python files, run them like Glue does."""
    workdir = _settings["workdir"]
    endpoint = _settings["endpoint"]
    if workdir is None or endpoint is None:
        raise RuntimeError(
            "the local Glue runner is not configured (orchestration.local.glue_runs.configure)"
        )
    home = workdir / "glue" / job.name / run.job_run_id
    args = dict(run.arguments or {})
    script = fetch(job.backend.account_id, job.command["ScriptLocation"], home / "script" / "job_script.py")
    paths = [
        str(fetch(job.backend.account_id, uri.strip(), home / "py" / Path(urlparse(uri.strip()).path).name))
        for uri in args.get("--extra-py-files", "").split(",")
        if uri.strip()
    ]
    argv = ["--JOB_NAME", job.name, "--JOB_RUN_ID", run.job_run_id]
    for name, value in args.items():
        argv += [name, str(value)]
    key, env = driver_env(job, args)
    request = {"script": str(script), "argv": argv, "paths": paths, "log": str(home / "output.log")}
    return LocalRun(key, env, request, run.timeout or job.timeout)


class RefusedRun:
    """A run that fails as it starts: Glue cannot assume its job's role (the role is missing or
    its trust policy does not name glue.amazonaws.com)."""

    script_seconds = None

    def __init__(self, job, run):
        role = role_arn(job)
        self.state, self.finished = FAILED, dt.datetime.now(dt.UTC)
        self.started = self.finished
        self.error = f"Glue cannot assume the job's role {role}: it does not trust {trust.GLUE}"
        self.log_path = _settings["workdir"] / "glue" / job.name / run.job_run_id / "output.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path.write_text(self.error + "\n")

    def stop(self) -> None:
        pass


def _create_job(original):
    """CreateJob also starts a warm driver with the job's settings, ready for its first run."""

    def create_job(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        if _settings["endpoint"] is not None:
            job = self.get_job(kwargs["name"] if "name" in kwargs else args[0])
            try:
                key, env = driver_env(job)
            except FileNotFoundError:  # its jars are not uploaded yet: its first run starts one
                return result
            _pool.prewarm(key, env, _settings["workdir"] / "glue" / "drivers")
        return result

    return create_job


def _start_job_run(original):
    def start_job_run(self, *args, **kwargs):
        run_id = original(self, *args, **kwargs)
        if _settings["endpoint"] is not None:
            run = self.job_runs[-1]
            context = {"aws:SourceAccount": self.backend.account_id}
            assumable = trust.assumable(role_arn(self), trust.GLUE, context)
            run.local = launch(self, run) if assumable else RefusedRun(self, run)
        return run_id

    return start_job_run


def _status(original):
    def status(self):
        local = getattr(self, "local", None)
        return local.state if local is not None else original.fget(self)

    return property(status, original.fset)


def _as_dict(original):
    def as_dict(self):
        result = original(self)
        local = getattr(self, "local", None)
        if local is not None:
            end = local.finished or dt.datetime.now(dt.UTC)
            result.update(
                JobRunState=local.state,
                StartedOn=local.started,
                LastModifiedOn=end,
                ExecutionTime=int((end - local.started).total_seconds()),
                GlueVersion=getattr(self, "glue_version", None) or "5.1",
                LogGroupName=str(local.log_path),
            )
            if local.finished:
                result["CompletedOn"] = local.finished
            else:
                result.pop("CompletedOn", None)
            if local.error:
                result["ErrorMessage"] = local.error
        return result

    return as_dict


def batch_stop_job_run(self):
    """BatchStopJobRun, which moto lacks: stop the listed runs' processes."""
    name = self._get_param("JobName")
    job = self.glue_backend.get_job(name)
    stopped, errors = [], []
    for run_id in self._get_param("JobRunIds") or []:
        run = next((r for r in job.job_runs if r.job_run_id == run_id), None)
        if run is None:
            errors.append(
                {"JobName": name, "JobRunId": run_id, "ErrorDetail": {"ErrorCode": "EntityNotFoundException"}}
            )
            continue
        if getattr(run, "local", None) is not None:
            run.local.stop()
        stopped.append({"JobName": name, "JobRunId": run_id})
    return json.dumps({"SuccessfulSubmissions": stopped, "Errors": errors})


def install() -> None:
    """Patch moto's Glue job runs (idempotent; before the server starts)."""
    global _installed
    if _installed:
        return
    glue_models.FakeJob.start_job_run = _start_job_run(glue_models.FakeJob.start_job_run)
    glue_models.GlueBackend.create_job = _create_job(glue_models.GlueBackend.create_job)
    glue_models.FakeJobRun.status = _status(glue_models.FakeJobRun.status)
    glue_models.FakeJobRun.as_dict = _as_dict(glue_models.FakeJobRun.as_dict)
    glue_responses.GlueResponse.batch_stop_job_run = batch_stop_job_run
    _installed = True


def _local_runs():
    """(run id, LocalRun) of every job run the local runner started, in every account and region."""
    for backend in glue_models.glue_backends.values():
        for regional in backend.values():
            for job in regional.jobs.values():
                for run in job.job_runs:
                    if getattr(run, "local", None) is not None:
                        yield run.job_run_id, run.local


def script_seconds() -> dict[str, float]:
    """The job script's own seconds of each finished local run, by run id (what the runtime adds
    to a run is its time less these)."""
    return {
        run_id: local.script_seconds for run_id, local in _local_runs() if local.script_seconds is not None
    }


def stop_all() -> None:
    """Stop every job run still running (the runtime is shutting down)."""
    for _, local in _local_runs():
        local.stop()
    _pool.shutdown()
