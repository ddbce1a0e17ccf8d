"""`lakehouse`: the user's entry point (generate a raw drop, run the pipeline)."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import os
import sys

from gold.step import all_dates, run_gold
from lakehouse import audit, maintain
from lakehouse.console import PhaseProgress
from lakehouse.generate import drop as generate
from lakehouse.pipeline import run_pipeline
from lakehouse.query import command as query
from lakehouse.report import build
from orchestration.cli import add_commands
from orchestration.target import environment
from shared import catalog, delta, logs
from shared.contract import DATASETS, DEFAULT_GRACE_DAYS, RUN_COUNTS
from shared.errors import UserError
from shared.spark import get_spark
from shared.warehouse import new_run_id, parse_instant, table_path, utc_now
from silver.reprocess import rebuild_silver


def render(summary: dict) -> str:
    """The readable summary: one line per dataset, then rejects, files and table sizes."""
    lines = [f"run {summary['run_id']}: {summary['status']}"]
    if "error" in summary:
        lines.append(f"  error: {summary['error']}")
    header = f"  {'dataset':<12}" + "".join(f"{c:>14}" for c in RUN_COUNTS)
    lines.append(header)
    for dataset, stats in summary["datasets"].items():
        lines.append(f"  {dataset:<12}" + "".join(f"{stats[c]:>14,}" for c in RUN_COUNTS))
        for label in ("rejected_by_reason", "warnings"):
            if stats[label]:
                pairs = ", ".join(f"{k}={v:,}" for k, v in sorted(stats[label].items()))
                lines.append(f"  {'':<12}{label}: {pairs}")
    for reject in summary["files_rejected"]:
        lines.append(f"  file rejected: {reject['file']} ({reject['reason']})")
    lines.append(f"  files archived: {summary['archived']}")
    if "catalog" in summary:
        lines.append(
            "  catalog: " + ", ".join(f"{n} {action}" for action, n in sorted(summary["catalog"].items()))
        )
    lines.append("  tables: " + ", ".join(f"{t}={n:,}" for t, n in summary.get("tables", {}).items()))
    if "report" in summary:
        lines.append(f"  report: {summary['report']}")
    return "\n".join(lines)


def emit(args: argparse.Namespace, result, text) -> None:
    """A command's result on stdout: one JSON object (--json), nothing (--quiet), or text."""
    if args.json:
        print(json.dumps(result))
    elif not args.quiet:
        print(text(result))


@contextlib.contextmanager
def live_progress(args: argparse.Namespace):
    """A rich progress display on stderr for people; None (no display) with --quiet, --json or
    JSON logs. While it shows, the `lakehouse` logger's per-phase lines would repeat it."""
    if args.quiet or args.json or os.environ.get(logs.FORMAT_ENV) == logs.JSON:
        yield None
        return
    logger = logging.getLogger(logs.LOGGER)
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        with PhaseProgress() as progress:
            yield progress
    finally:
        logger.setLevel(level)


def require_folder(path: str, what: str) -> None:
    """UserError when a local folder is missing (URIs such as s3:// are the storage's to check)."""
    if "://" not in path and not os.path.isdir(path):
        raise UserError(f"{what} {path} does not exist or is not a folder")


def cmd_run(args: argparse.Namespace) -> int:
    require_folder(args.raw, "raw folder")
    spark = get_spark("lakehouse-run")
    with live_progress(args) as progress:
        summary = run_pipeline(
            spark,
            args.raw,
            args.warehouse,
            archive=args.archive,
            quarantine=args.quarantine,
            run_ts=parse_instant(args.as_of) if args.as_of else None,
            grace_days=args.grace_days,
            register=catalog_registrar(args),
            progress=progress,
        )
    emit(args, summary, render)
    return 0 if summary["status"] == "SUCCEEDED" else 1


def cmd_report(args: argparse.Namespace) -> int:
    spark = None
    if args.build or "://" in args.warehouse:
        spark = get_spark("lakehouse-report")
    if args.build and not args.run_id:
        raise UserError("--build needs the RUN_ID of an orchestrated run")
    for run_id in args.run_id or [None]:  # several RUN_IDs: one Spark start for all of them
        if args.build:
            path = build.build_orchestrated(spark, args.warehouse, run_id)
        else:
            path = build.find_report(args.warehouse, run_id, spark)
        if args.out:
            path = build.copy_out(path, args.out, spark)
        print(path, flush=True)
    return 0


def catalog_registrar(args: argparse.Namespace):
    """How a run publishes its tables: Glue (AWS or a Glue-compatible endpoint), JSON files in the
    warehouse (local engines read them), or not at all."""
    if args.catalog == "none":
        return None
    client = catalog.glue_client(args.glue_endpoint) if args.catalog == "glue" else None
    return lambda spark, warehouse: catalog.register_tables(spark, warehouse, args.env, glue_client=client)


def cmd_generate(args: argparse.Namespace) -> int:
    try:
        manifest = generate.run(args)
    except (ValueError, FileExistsError) as error:
        print(f"lakehouse generate: {error}", file=sys.stderr)
        return 2
    datasets = manifest.get("datasets", {})
    rows = ", ".join(f"{d}={datasets[d]['rows_read']:,}" for d in DATASETS if d in datasets)
    print(f"wrote a raw drop to {args.out} ({rows} rows)")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    layer, _, table = args.table.partition(".")
    spark = get_spark("lakehouse-show")
    path = table_path(args.warehouse, layer, table)
    if not table or not delta.exists(spark, path):
        raise UserError(f"no table {args.table!r} in {args.warehouse}")
    reader = spark.read.format("delta")
    if args.version is not None:  # time travel: the table as it was at that commit
        reader = reader.option("versionAsOf", args.version)
    rows = reader.load(path)
    rows.orderBy(*[c for c in ("date", "department") if c in rows.columns] or [rows.columns[0]]).show(
        args.limit, truncate=False
    )
    return 0


def date_range(text: str) -> list:
    """FROM..TO (inclusive), or a single day."""
    first, _, last = text.partition("..")
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last or first)
    if end < start:
        raise argparse.ArgumentTypeError(f"{text}: the range ends before it starts")
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def cmd_reprocess(args: argparse.Namespace) -> int:
    if args.layer == "silver" and args.dates:
        print(
            "lakehouse reprocess: silver rebuilds whole tables (--all): a key's winner can come from any day",
            file=sys.stderr,
        )
        return 2
    spark = get_spark("lakehouse-reprocess")
    run_ts = utc_now()
    report: dict = {"layer": args.layer}
    if args.layer == "silver":
        report["runs_replayed"] = [
            run_id for run_id, _ in rebuild_silver(spark, args.warehouse, args.grace_days)
        ]
        extra = []
    else:
        extra = all_dates(spark, args.warehouse) if args.all else args.dates
    dates = run_gold(spark, args.warehouse, new_run_id(run_ts), run_ts, extra)
    report["gold_dates"] = [d.isoformat() for d in dates]
    emit(args, report, render_reprocess)
    return 0


def render_reprocess(report: dict) -> str:
    replayed = report.get("runs_replayed")
    lines = [] if replayed is None else [f"silver rebuilt from bronze: {len(replayed)} runs replayed"]
    return "\n".join([*lines, f"gold recomputed for {len(report['gold_dates'])} dates"])


EXIT_CODES = """exit codes:
  0    done (a run: SUCCEEDED)
  1    the work failed: a FAILED run, a failed deploy or release, an internal error
  2    bad input the user can fix: a missing folder, no Java, a port in use, an unknown table
  130  interrupted (Ctrl-C)

Set LAKEHOUSE_LOG_FORMAT=json for JSON log lines, LAKEHOUSE_DEBUG=1 for stack traces."""

# One example per command, shown by `lakehouse <command> --help` (tests/test_cli.py holds every
# command to having one).
EXAMPLES = {
    "run": "lakehouse run --raw var/demo/raw --warehouse var/demo/warehouse",
    "report": "lakehouse report --warehouse var/demo/warehouse     # the latest run's report",
    "show": "lakehouse show gold.daily_sales --warehouse var/demo/warehouse --limit 5",
    "reprocess": "lakehouse reprocess --layer gold --dates 2025-04-01..2025-04-07 --warehouse var/wh",
    "query": "lakehouse query --warehouse var/demo/warehouse 'select * from gold.weekly_sales'",
    "audit": "lakehouse audit bronze.orders --version 0 --warehouse var/demo/warehouse",
    "maintain": "lakehouse maintain --warehouse var/demo/warehouse",
    "generate": "lakehouse generate --out var/sample/raw --orders 3000 --days 7 --defects 0.02",
    "local": "lakehouse local up --port 5055",
    "deploy": "lakehouse deploy --local",
    "release": "lakehouse release --env staging --bundle dist/glue",
    "drop": "lakehouse drop var/sample/raw --local",
    "start": "lakehouse start --local --name manual-1",
    "status": "lakehouse status --local --json",
    "demo": "lakehouse demo --seed 7",
}


def add_output_flags(parser: argparse.ArgumentParser) -> None:
    """--json (for scripts: one object on stdout) or --quiet (nothing but errors)."""
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON object")
    output.add_argument("--quiet", "-q", action="store_true", help="print nothing; the exit code tells")


def add_examples(commands) -> None:
    for name, sub in commands.choices.items():
        sub.formatter_class = argparse.RawDescriptionHelpFormatter
        sub.epilog = f"example:\n  {EXAMPLES[name]}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lakehouse",
        description=__doc__,
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run_parser = commands.add_parser("run", help="run bronze -> silver -> gold over every pending raw file")
    run_parser.add_argument("--raw", required=True, help="raw root holding products/, orders/, order_items/")
    run_parser.add_argument("--warehouse", required=True, help="root of the Delta tables")
    run_parser.add_argument("--archive", help="where ingested files go (default: 'archived' beside --raw)")
    run_parser.add_argument(
        "--quarantine", help="where rejected files go (default: 'quarantine' beside --raw)"
    )
    add_output_flags(run_parser)
    run_parser.add_argument(
        "--grace-days", type=int, default=DEFAULT_GRACE_DAYS, help="days a pending item may wait"
    )
    run_parser.add_argument("--as-of", help="the run's clock (ISO 8601, UTC by default); default: now")
    run_parser.add_argument(
        "--catalog", choices=("file", "glue", "none"), default="file", help="where tables are registered"
    )
    run_parser.add_argument(
        "--env",
        default="dev",
        type=environment,
        help="environment prefix of the catalog databases (<env>_silver)",
    )
    run_parser.add_argument("--glue-endpoint", help="a Glue-compatible endpoint URL (default: AWS)")
    run_parser.set_defaults(func=cmd_run)

    report_parser = commands.add_parser(
        "report", help="print the path of the latest (or a named) run report; --build makes one"
    )
    report_parser.add_argument(
        "run_id", nargs="*", metavar="RUN_ID", help="one or more runs (default: the latest run's)"
    )
    report_parser.add_argument(
        "--warehouse", required=True, help="root of the Delta tables (a path or s3://)"
    )
    report_parser.add_argument(
        "--build",
        action="store_true",
        help="build RUN_ID's report from its Glue jobs' reports (orchestrated runs)",
    )
    report_parser.add_argument("--out", help="also copy the report (HTML and JSON) into this local folder")
    report_parser.set_defaults(func=cmd_report)

    show_parser = commands.add_parser("show", help="print the first rows of a table, e.g. gold.daily_sales")
    show_parser.add_argument("table", help="<layer>.<table>")
    show_parser.add_argument("--warehouse", required=True)
    show_parser.add_argument("--limit", type=int, default=20)
    show_parser.add_argument("--version", type=int, help="the table as of this Delta version (audits)")
    show_parser.set_defaults(func=cmd_show)

    reprocess_parser = commands.add_parser(
        "reprocess", help="rebuild a layer from the one below (no raw files read)"
    )
    reprocess_parser.add_argument("--layer", choices=("silver", "gold"), required=True)
    scope = reprocess_parser.add_mutually_exclusive_group(required=True)
    scope.add_argument("--all", action="store_true", help="the whole layer")
    scope.add_argument("--dates", type=date_range, help="FROM..TO, inclusive (gold only)")
    reprocess_parser.add_argument("--warehouse", required=True)
    reprocess_parser.add_argument("--grace-days", type=int, default=DEFAULT_GRACE_DAYS)
    add_output_flags(reprocess_parser)
    reprocess_parser.set_defaults(func=cmd_reprocess)

    query_parser = commands.add_parser("query", help="run Athena SQL on the local tables (DuckDB over Delta)")
    query.add_arguments(query_parser)
    query_parser.set_defaults(func=query.run)

    audit_parser = commands.add_parser(
        "audit", help="bronze time travel: history, a past version, a file's lineage"
    )
    audit.add_arguments(audit_parser)
    audit_parser.set_defaults(func=audit.run)

    maintain_parser = commands.add_parser("maintain", help="OPTIMIZE (with ZORDER) and VACUUM every table")
    maintain.add_arguments(maintain_parser)
    maintain_parser.set_defaults(func=maintain.run)

    generate_parser = commands.add_parser("generate", help="write a synthetic raw drop in the course format")
    generate.add_arguments(generate_parser)
    generate_parser.set_defaults(func=cmd_generate)

    add_commands(commands)
    add_examples(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Log lines (each layer and dataset as it starts; DEBUG adds each move) go to stderr.
    logs.configure(logs.TEXT)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as error:
        print(f"lakehouse {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"lakehouse {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if os.environ.get("LAKEHOUSE_DEBUG"):
            raise
        first = (str(error).strip().splitlines() or [""])[0][:300]
        print(
            f"lakehouse {args.command}: internal error ({type(error).__name__}) {first}"
            " (LAKEHOUSE_DEBUG=1 shows the stack trace)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
