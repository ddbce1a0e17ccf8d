"""The orchestration commands of `lakehouse`: local up, deploy, drop, start, status, demo.

Each command imports its modules when it runs: they need the `dev` and `local` extras (moto for the
local runtime, cfn-lint for the templates, sqlglot for the SQL names), which the `lakehouse` command
itself, for `run` or `query`, does not."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import sys
import threading
from pathlib import Path

from botocore.exceptions import ClientError

from orchestration.bundle import read_bundle
from orchestration.target import Target, add_target_arguments


def cmd_local(args: argparse.Namespace) -> int:
    from orchestration.local.server import LocalAws

    aws = LocalAws(port=args.port, workdir=args.workdir).start()
    print(aws.endpoint, flush=True)
    print(f"local AWS runtime listening at {aws.endpoint}; Ctrl-C stops it", file=sys.stderr, flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    aws.stop()
    return 0


def deploy_options(args: argparse.Namespace, target: Target) -> dict:
    """The keyword arguments of orchestration.deploy.deploy from the shared deploy arguments."""
    parameters = dict(p.split("=", 1) for p in args.parameter)
    return {
        "parameters": parameters,
        "files": read_bundle(args.bundle) if args.bundle else None,
        "code_version": args.code_version,
        "role_arn": args.role_arn,
        "template_bucket": args.template_bucket,
    }


def cmd_deploy(args: argparse.Namespace) -> int:
    from orchestration.deploy import deploy

    target = Target.from_args(args)
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    try:
        result = deploy(target.env, target.endpoint, log=log, **deploy_options(args, target))
    except (RuntimeError, TimeoutError, ValueError) as error:
        print(f"lakehouse deploy: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from orchestration.bootstrap import as_deploy_role
    from orchestration.local.server import LocalAws, is_listening
    from orchestration.release import ReleaseError, release

    target = Target.from_args(args)
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    runtime = contextlib.nullcontext()
    if target.endpoint and not is_listening(target.endpoint):
        log(f"no local runtime at {target.endpoint}: starting one for this release")
        runtime = LocalAws(port=int(target.endpoint.rsplit(":", 1)[1]), workdir=args.workdir)
    options = deploy_options(args, target)
    try:
        with runtime:
            # Locally, as the deploy workflow on AWS: the bootstrap stack's deploy role, its change
            # sets passing the execution role (an option given on the command line still wins).
            local = target.endpoint is not None
            role = as_deploy_role(target.env, target.endpoint, log) if local else contextlib.nullcontext({})
            with role as workflow:
                options.update({k: v for k, v in workflow.items() if not options.get(k)})
                result = release(target, smoke_mode=args.smoke, log=log, **options)
    except (ReleaseError, RuntimeError, TimeoutError, ValueError, ClientError) as error:
        print(f"lakehouse release: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, default=str))
    return 0


def cmd_drop(args: argparse.Namespace) -> int:
    from orchestration.operate import drop

    try:
        keys = drop(Target.from_args(args), args.files, args.dataset)
    except ValueError as error:
        print(f"lakehouse drop: {error}", file=sys.stderr)
        return 2
    print(f"{len(keys)} files uploaded to the raw zone")
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    from orchestration.operate import start

    print(start(Target.from_args(args), args.name))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from orchestration.operate import status

    report = status(Target.from_args(args))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"stack {report['stack']}; lock held by: {report['lock_holder'] or 'nobody'}")
    print("pending raw files: " + ", ".join(f"{d} {n}" for d, n in report["pending_files"].items()))
    for e in report["executions"]:
        print(f"  {e['started']}  {e['status']:<10} {e['name']}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from orchestration.demo import run_demo

    summary = run_demo(args.scenario, args.seed, args.orders, args.days, args.port)
    if args.json:
        print(json.dumps(summary))
    else:
        print_summary(summary)
    if args.scenario == "poisoned":
        return 0
    # The quick start's promise: the run SUCCEEDED and every dropped file left the raw zone.
    return 0 if summary["execution_status"] == "SUCCEEDED" and summary["left_in_raw"] == 0 else 1


def print_summary(summary: dict) -> None:
    print(f"\nexecution: {summary['execution_status']} ({summary['seconds']} s)")
    print("rows, summed over the runs (a pending item readmitted by a later run counts in both):")
    for name, counts in summary["datasets"].items():
        fields = ("files", "rows_read", "accepted", "readmitted", "rejected", "duplicates", "pending")
        line = ", ".join(f"{f} {counts.get(f, 0)}" for f in fields)
        still = counts.get("pending", 0) - counts.get("readmitted", 0)
        print(f"  {name:<12} {line}; still pending {still}")
    print(
        f"files: {summary['dropped']} dropped, {summary['archived']} archived, "
        f"{summary['quarantined']} quarantined, {summary['left_in_raw']} left in raw"
    )
    overheads = []
    for run in summary.get("job_runs", []):
        script, step = run.get("script_seconds"), run.get("work_seconds")
        detail = f", its step {step:.1f} s" if step is not None else ""
        if script is not None and run["seconds"] is not None:
            overheads.append(run["seconds"] - script)
            detail = f" (script {script:.1f} s{detail}, runtime overhead {run['seconds'] - script:.1f} s)"
        print(f"  glue {run['job']} ({run['for']}): {run['state']} in {run['seconds']} s{detail}")
    if overheads:
        median = statistics.median(overheads)
        print(f"  median Glue job run overhead (run time less its script's): {median:.1f} s")
    for check in summary["validation"]:
        print(f"  validation {check['name']}: {'passed' if check['passed'] else 'FAILED'}")
    for alert in summary["alerts"]:
        print(f"  alert: {alert}")
    for path in summary.get("reports", []):
        print(f"run report (open in a browser): {path}")
    sample = summary.get("gold_sample") or {}
    if sample.get("rows"):
        print("gold.daily_sales through the Athena API:")
        print("  " + " | ".join(sample["columns"]))
        for row in sample["rows"]:
            print("  " + " | ".join(v if v is not None else "NULL" for v in row))


def add_deploy_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    parser.add_argument(
        "--parameter", action="append", default=[], metavar="KEY=VALUE", help="template parameter"
    )
    parser.add_argument(
        "--bundle", type=Path, help="the code bundle from `make package` (default: built now)"
    )
    parser.add_argument("--code-version", help="the code's version and S3 prefix (default: its content hash)")
    parser.add_argument(
        "--role-arn",
        default=os.environ.get("LAKEHOUSE_CFN_ROLE_ARN") or None,
        help="the role CloudFormation acts as (default $LAKEHOUSE_CFN_ROLE_ARN; none: the caller)",
    )
    parser.add_argument(
        "--template-bucket",
        default=os.environ.get("LAKEHOUSE_TEMPLATE_BUCKET") or None,
        help="where the template goes for CloudFormation (default $LAKEHOUSE_TEMPLATE_BUCKET)",
    )


def add_commands(commands) -> None:
    local = commands.add_parser("local", help="the local AWS runtime")
    local_commands = local.add_subparsers(dest="local_command", required=True)
    up = local_commands.add_parser("up", help="start it in the foreground and print its endpoint")
    up.add_argument("--port", type=int, default=5055)
    up.add_argument("--workdir", default="var/local-aws", help="job run code and logs")
    up.set_defaults(func=cmd_local)

    dep = commands.add_parser("deploy", help="create or update the stack and upload the job code")
    add_deploy_arguments(dep)
    dep.set_defaults(func=cmd_deploy)

    rel = commands.add_parser(
        "release",
        help="deploy + smoke run + Athena views (what the deploy workflow runs; make deploy ENV=...)",
        description="Example: lakehouse release --local   |   lakehouse release --env staging "
        "--bundle dist/glue --code-version $GITHUB_SHA",
    )
    add_deploy_arguments(rel)
    rel.add_argument(
        "--smoke",
        choices=("sample", "start"),
        default="sample",
        help="sample: drop a tiny generated sample (default); start: one execution over what is pending",
    )
    rel.add_argument(
        "--workdir", default="var/local-aws", help="local runtime's job logs (if one is started)"
    )
    rel.set_defaults(func=cmd_release)

    put = commands.add_parser("drop", help="upload raw CSV files (or drop folders) into the raw zone")
    put.add_argument("files", nargs="+", type=Path)
    put.add_argument("--dataset", choices=("products", "orders", "order_items"))
    add_target_arguments(put)
    put.set_defaults(func=cmd_drop)

    go = commands.add_parser("start", help="start an execution by hand (it processes every pending raw file)")
    add_target_arguments(go)
    go.add_argument("--name", help="the execution's name (default: one Step Functions picks)")
    go.set_defaults(func=cmd_start)

    stat = commands.add_parser("status", help="executions, the pipeline lock, pending raw files")
    add_target_arguments(stat)
    stat.add_argument("--json", action="store_true")
    stat.set_defaults(func=cmd_status)

    demo = commands.add_parser("demo", help="local runtime + deploy + drop + follow + summary")
    demo.add_argument("--json", action="store_true")
    demo.add_argument("--scenario", choices=("happy", "poisoned"), default="happy")
    demo.add_argument("--seed", type=int, help="the sample's seed (default: a new one each time)")
    demo.add_argument("--orders", type=int, default=1500)
    demo.add_argument("--days", type=int, default=4)
    demo.add_argument("--port", type=int, help="default: a free port")
    demo.set_defaults(func=cmd_demo)
