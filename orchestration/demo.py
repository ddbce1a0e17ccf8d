"""`lakehouse demo`: the whole system on one machine. Starts the local AWS runtime, deploys the real
template and state machine to it, drops a freshly generated sample into the raw zone (the
EventBridge rule starts the pipeline), follows the executions live, and sums up: execution
status, per-dataset counts, archived files, validation results, alerts, and a few gold rows
fetched through the Athena API. `--scenario poisoned` adds an object no job can read (a raw file
sitting in the GLACIER storage class), so bronze fails, the alert goes out and nothing moves."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lakehouse.generate.drop import generate
from orchestration import operate
from orchestration.deploy import deploy
from orchestration.local import glue_runs
from orchestration.local.server import LocalAws, free_port
from orchestration.target import LOCAL_ENV, Target
from shared.contract import BRONZE, GOLD, SILVER
from shared.spark import S3_ENDPOINT_ENV

HAPPY, POISONED = "happy", "poisoned"
GOLD_SAMPLE = "select * from gold.daily_sales order by date limit 5"
VERBS = {"TaskStateEntered": "started", "MapStateEntered": "started", "ExecutionFailed": "FAILED"}


def subscribe_alerts(target) -> str:
    """An SQS queue subscribed to the alert topic, so the demo can show what was sent."""
    sqs, sns = target.client("sqs"), target.client("sns")
    url = sqs.create_queue(QueueName=f"lakehouse-{target.env}-alerts-demo")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=target.outputs["AlertTopicArn"], Protocol="sqs", Endpoint=arn)
    return url


def read_alerts(target, url: str) -> list[str]:
    """Every alert sent so far: the state machine's (JSON naming the failed state) and the
    run-ended rule's (a sentence in quotes, as EventBridge sends its template's text)."""
    sqs, alerts = target.client("sqs"), []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        alerts += [json.loads(m["Body"]).get("Message", m["Body"]) for m in messages]
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)],
        )
    return alerts


def poison(target) -> None:
    target.client("s3").put_object(
        Bucket=target.outputs["RawBucket"],
        Key="raw/orders/poisoned.csv",
        Body=b"order_id,user_id,order_num,order_timestamp,total_amount,date\n",
        StorageClass="GLACIER",
    )


def gold_sample(target) -> dict:
    found = operate.athena_query(target, GOLD_SAMPLE, timeout=120)
    if found["state"] != "SUCCEEDED":
        return {"error": found["reason"] or found["state"]}
    return {"columns": found["columns"], "rows": found["rows"]}


def progress(stream, started: float):
    """Each state an execution enters, and its end, with the seconds since the demo started."""

    def on_event(execution: str, event: dict) -> None:
        details = event.get("stateEnteredEventDetails") or {}
        kind, at = event["type"], event["timestamp"].timestamp() - started
        if kind in ("TaskStateEntered", "MapStateEntered"):
            print(f"  {at:6.1f}s [{execution[:8]}] {details.get('name')}", file=stream, flush=True)
        elif kind in ("ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"):
            end = kind.removeprefix("Execution").upper()
            print(f"  {at:6.1f}s [{execution[:8]}] {end}", file=stream, flush=True)

    return on_event


def job_runs(target) -> list[dict]:
    """Every Glue job run of the deployment: which job, for what, its state, its seconds (start to
    end, as Glue counts them), the seconds of the job script (the local runtime's count) and of
    its step (the job's report). Seconds less script seconds: what the local runtime adds."""
    glue, runs, scripts = target.client("glue"), [], glue_runs.script_seconds()
    for job, layer in (("BronzeJob", BRONZE), ("SilverJob", SILVER), ("GoldJob", GOLD)):
        for run in glue.get_job_runs(JobName=target.outputs[job])["JobRuns"]:
            arguments = run.get("Arguments", {})
            name = arguments.get("--dataset") or arguments.get("--table")
            run_id = arguments.get("--run_id")
            report = operate.run_report(target, run_id, layer, name) if run_id and name else None
            ended = run.get("CompletedOn")
            seconds = (ended - run["StartedOn"]).total_seconds() if ended else run.get("ExecutionTime")
            runs.append(
                {
                    "job": run["JobName"],
                    "for": name,
                    "run_id": run_id,
                    "state": run["JobRunState"],
                    "seconds": round(seconds, 1) if seconds is not None else None,
                    "work_seconds": (report or {}).get("seconds"),
                    "script_seconds": scripts.get(run["Id"]),
                }
            )
    return runs


def raw_zone_files(target, prefix: str) -> list[str]:
    """The CSV files under a prefix of the raw bucket (quarantine also holds reason files)."""
    return [key for key in operate.list_keys(target, prefix) if key.endswith(".csv")]


def summarise(target, finals: list[dict], alerts: list[str], started: float) -> dict:
    statuses = [f["status"] for f in finals]
    status = next((s for s in ("FAILED", "TIMED_OUT", "ABORTED") if s in statuses), "SUCCEEDED")
    validation, run_ids = [], []
    for final in finals:
        events = operate.history(target, final["executionArn"])
        checks = operate.state_output(events, "RunChecks")
        if checks:
            validation = [{"name": c["name"], "passed": c["passed"]} for c in checks.get("validation", [])]
        run_ids += operate.pass_run_ids(events)
    return {
        "execution_status": status,
        "executions": [{"name": f["name"], "status": f["status"]} for f in finals],
        "archived": len(raw_zone_files(target, "archived/")),
        "quarantined": len(raw_zone_files(target, "quarantine/")),
        "left_in_raw": len(raw_zone_files(target, "raw/")),
        "validation": validation,
        "alerts": alerts,
        "run_ids": run_ids,
        "datasets": operate.run_reports(target, run_ids),
        "job_runs": job_runs(target),
        "seconds": round(time.time() - started, 1),
    }


def run_demo(
    scenario: str = HAPPY,
    seed: int | None = None,
    orders: int = 1500,
    days: int = 4,
    port: int | None = None,
    workdir: str = "var/demo-aws",
    log=sys.stderr,
) -> dict:
    started = time.time()
    seed = random.SystemRandom().randrange(1, 10**9) if seed is None else seed
    with LocalAws(port=port or free_port(), workdir=workdir) as aws:
        print(f"local AWS runtime at {aws.endpoint}", file=log, flush=True)
        deploy(LOCAL_ENV, aws.endpoint, {}, log=lambda m: print(m, file=log, flush=True))
        target = Target(LOCAL_ENV, aws.endpoint)
        alerts_url = subscribe_alerts(target)
        with tempfile.TemporaryDirectory() as folder:
            drop_dir = Path(folder) / "drop"
            generate(drop_dir, orders=orders, days=days, defects=0.02, seed=seed)
            print(f"dropping a generated sample (seed {seed}) into the raw zone", file=log, flush=True)
            dropped_at = time.time() - 1
            if scenario == POISONED:
                poison(target)
            keys = operate.drop(target, [drop_dir])
        deployed_in = round(time.time() - started, 1)
        print(f"{len(keys)} files dropped at {deployed_in} s; following the executions", file=log, flush=True)
        finals = operate.follow(target, progress(log, started), dropped_at)
        summary = summarise(target, finals, read_alerts(target, alerts_url), started)
        summary["seed"] = seed
        summary["dropped"] = len(keys)
        summary["gold_sample"] = gold_sample(target) if summary["execution_status"] == "SUCCEEDED" else None
        # A pass that found no new file ran no job and has no report.
        ran = {run["run_id"] for run in summary["job_runs"]}
        passes = [run_id for run_id in summary["run_ids"] if run_id in ran]
        summary["reports"] = build_reports(target, passes, Path(workdir) / "reports", log)
    return summary


def build_reports(target, run_ids: list[str], out: Path, log) -> list[str]:
    """Each pass's run report, built from its jobs' reports in the warehouse bucket the way an
    operator does (`lakehouse report RUN_ID --build`), copied into `out` to open in a browser."""
    warehouse = f"s3://{target.outputs['DwhBucket']}/warehouse"
    env = {**os.environ, S3_ENDPOINT_ENV: target.endpoint, "LAKEHOUSE_LOG_LEVEL": "WARNING"}
    if not run_ids:
        return []
    command = [sys.executable, "-m", "lakehouse.cli", "report", *run_ids, "--build"]
    command += ["--warehouse", warehouse, "--out", str(out)]
    done = subprocess.run(command, env=env, capture_output=True, text=True)  # one Spark for all
    paths = done.stdout.strip().splitlines()
    if done.returncode:
        print(f"a run report failed: {done.stderr.strip()[-500:]}", file=log, flush=True)
    return paths
