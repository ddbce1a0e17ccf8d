"""`lakehouse`: the user's entry point (generate a raw drop, run the pipeline)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from shared.contract import DATASETS, DEFAULT_GRACE_DAYS
from shared.warehouse import parse_instant

COUNTS = (
    "files",
    "files_skipped",
    "rows_read",
    "accepted",
    "rejected",
    "duplicates",
    "pending",
    "readmitted",
)


def render(summary: dict) -> str:
    """The readable summary: one line per dataset, then rejects, files and table sizes."""
    lines = [f"run {summary['run_id']}: {summary['status']}"]
    if "error" in summary:
        lines.append(f"  error: {summary['error']}")
    header = f"  {'dataset':<12}" + "".join(f"{c:>14}" for c in COUNTS)
    lines.append(header)
    for dataset, stats in summary["datasets"].items():
        lines.append(f"  {dataset:<12}" + "".join(f"{stats[c]:>14,}" for c in COUNTS))
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
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    from shared.pipeline import run_pipeline
    from shared.spark import get_spark

    spark = get_spark("lakehouse-run")
    summary = run_pipeline(
        spark,
        args.raw,
        args.warehouse,
        archive=args.archive,
        quarantine=args.quarantine,
        run_ts=parse_instant(args.as_of) if args.as_of else None,
        grace_days=args.grace_days,
        register=catalog_registrar(args),
    )
    print(json.dumps(summary) if args.json else render(summary))
    return 0 if summary["status"] == "SUCCEEDED" else 1


def catalog_registrar(args: argparse.Namespace):
    """How a run publishes its tables: Glue (AWS or a Glue-compatible endpoint), JSON files in the
    warehouse (local engines read them), or not at all."""
    from shared import catalog

    if args.catalog == "none":
        return None
    client = catalog.glue_client(args.glue_endpoint) if args.catalog == "glue" else None
    return lambda spark, warehouse: catalog.register_tables(spark, warehouse, args.env, glue_client=client)


def cmd_generate(args: argparse.Namespace) -> int:
    from shared import generate

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
    from shared import delta
    from shared.spark import get_spark
    from shared.warehouse import table_path

    layer, _, table = args.table.partition(".")
    spark = get_spark("lakehouse-show")
    path = table_path(args.warehouse, layer, table)
    if not table or not delta.exists(spark, path):
        print(f"no table {args.table!r} in {args.warehouse}", file=sys.stderr)
        return 2
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
    import datetime as dt

    first, _, last = text.partition("..")
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last or first)
    if end < start:
        raise argparse.ArgumentTypeError(f"{text}: the range ends before it starts")
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def cmd_reprocess(args: argparse.Namespace) -> int:
    from gold.step import all_dates, run_gold
    from shared.spark import get_spark
    from shared.warehouse import new_run_id, utc_now
    from silver.reprocess import rebuild_silver

    if args.layer == "silver" and args.dates:
        print(
            "lakehouse reprocess: silver rebuilds whole tables (--all): a key's winner can come from any day",
            file=sys.stderr,
        )
        return 2
    spark = get_spark("lakehouse-reprocess")
    now = utc_now()
    report: dict = {"layer": args.layer}
    if args.layer == "silver":
        report["runs_replayed"] = [
            run_id for run_id, _ in rebuild_silver(spark, args.warehouse, args.grace_days)
        ]
        extra = []
    else:
        extra = all_dates(spark, args.warehouse) if args.all else args.dates
    dates = run_gold(spark, args.warehouse, new_run_id(now), now, extra)
    report["gold_dates"] = [d.isoformat() for d in dates]
    if args.json:
        print(json.dumps(report))
    else:
        replayed = report.get("runs_replayed")
        if replayed is not None:
            print(f"silver rebuilt from bronze: {len(replayed)} runs replayed")
        print(f"gold recomputed for {len(dates)} dates")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from orchestration.target import environment

    parser = argparse.ArgumentParser(prog="lakehouse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run bronze -> silver -> gold over every pending raw file")
    run.add_argument("--raw", required=True, help="raw root holding products/, orders/, order_items/")
    run.add_argument("--warehouse", required=True, help="root of the Delta tables")
    run.add_argument("--archive", help="where ingested files go (default: 'archived' beside --raw)")
    run.add_argument("--quarantine", help="where rejected files go (default: 'quarantine' beside --raw)")
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.add_argument(
        "--grace-days", type=int, default=DEFAULT_GRACE_DAYS, help="days a pending item may wait"
    )
    run.add_argument("--as-of", help="the run's clock (ISO 8601, UTC by default); default: now")
    run.add_argument(
        "--catalog", choices=("file", "glue", "none"), default="file", help="where tables are registered"
    )
    run.add_argument(
        "--env",
        default="dev",
        type=environment,
        help="environment prefix of the catalog databases (<env>_silver)",
    )
    run.add_argument("--glue-endpoint", help="a Glue-compatible endpoint URL (default: AWS)")
    run.set_defaults(func=cmd_run)

    show = commands.add_parser("show", help="print the first rows of a table, e.g. gold.daily_sales")
    show.add_argument("table", help="<layer>.<table>")
    show.add_argument("--warehouse", required=True)
    show.add_argument("--limit", type=int, default=20)
    show.add_argument("--version", type=int, help="the table as of this Delta version (audits)")
    show.set_defaults(func=cmd_show)

    again = commands.add_parser("reprocess", help="rebuild a layer from the one below (no raw files read)")
    again.add_argument("--layer", choices=("silver", "gold"), required=True)
    scope = again.add_mutually_exclusive_group(required=True)
    scope.add_argument("--all", action="store_true", help="the whole layer")
    scope.add_argument("--dates", type=date_range, help="FROM..TO, inclusive (gold only)")
    again.add_argument("--warehouse", required=True)
    again.add_argument("--grace-days", type=int, default=DEFAULT_GRACE_DAYS)
    again.add_argument("--json", action="store_true")
    again.set_defaults(func=cmd_reprocess)

    from shared import audit, maintain, query

    ask = commands.add_parser("query", help="run Athena SQL on the local tables (DuckDB over Delta)")
    query.add_arguments(ask)
    ask.set_defaults(func=query.run)

    trail = commands.add_parser("audit", help="bronze time travel: history, a past version, a file's lineage")
    audit.add_arguments(trail)
    trail.set_defaults(func=audit.run)

    tidy = commands.add_parser("maintain", help="OPTIMIZE (with ZORDER) and VACUUM every table")
    maintain.add_arguments(tidy)
    tidy.set_defaults(func=maintain.run)

    gen = commands.add_parser("generate", help="write a synthetic raw drop in the course format")
    from shared import generate

    generate.add_arguments(gen)
    gen.set_defaults(func=cmd_generate)

    from orchestration.cli import add_commands

    add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # Our own progress (each layer and dataset as it starts) goes to stderr; DEBUG adds each move.
    logging.getLogger("lakehouse").setLevel(os.environ.get("LAKEHOUSE_LOG_LEVEL", "INFO"))
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
