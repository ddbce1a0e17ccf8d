"""Glue entry point: silver for one dataset (`--dataset`, one Step Functions Map iteration) or
for all of them in order (products, orders, then items: items are checked against the parents
merged before them, which is why the state machine runs items in a later wave).

    python -m silver.job --warehouse PATH --run_id ID [--dataset orders] [--as_of ISO]
                         [--grace_days 7] [--catalog none|file|glue] [--env dev]
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict

from shared import logs, runs, storage
from shared.catalog import register_job_tables
from shared.contract import DATASETS, DEFAULT_GRACE_DAYS, QUARANTINE, SILVER
from shared.jobargs import resolve
from shared.spark import get_spark
from shared.warehouse import parse_instant, utc_now
from silver.step import silver_step
from silver.tables import ensure_silver_tables

log = logging.getLogger("lakehouse")
OPTIONAL = {
    "dataset": "",
    "as_of": "",
    "grace_days": str(DEFAULT_GRACE_DAYS),
    "catalog": "none",
    "env": "dev",
}


def main(argv: list[str] | None = None) -> dict:
    logs.configure(logs.JSON)  # one JSON object per line: CloudWatch reads the fields
    args = resolve(["warehouse", "run_id"], OPTIONAL, argv)
    if args["dataset"] and args["dataset"] not in DATASETS:
        raise SystemExit(f"--dataset {args['dataset']}: not a dataset (one of {', '.join(DATASETS)})")
    run_ts = parse_instant(args["as_of"]) if args["as_of"] else utc_now()
    datasets = (args["dataset"],) if args["dataset"] else DATASETS
    spark, wh, run_id = get_spark("silver"), args["warehouse"], args["run_id"]
    ensure_silver_tables(spark, wh)
    stats, seconds = {}, {}
    for dataset in datasets:
        start = time.perf_counter()
        stats[dataset] = silver_step(spark, wh, dataset, run_id, run_ts, int(args["grace_days"]))
        seconds[dataset] = round(time.perf_counter() - start, 3)
    register_job_tables(
        spark, wh, args["catalog"], args["env"], [(SILVER, d) for d in (*datasets, QUARANTINE)]
    )
    for dataset, result in stats.items():
        report = {**asdict(result), "seconds": seconds[dataset]}
        log.info(
            "silver %s: %d rows read, %d accepted, %d rejected",
            dataset,
            result.rows_read,
            result.accepted,
            result.rejected,
            extra={"run_id": run_id, "layer": SILVER, "dataset": dataset, **report},
        )
        storage.write_json(spark, runs.report_path(wh, run_id, SILVER, dataset), report)
    report = {"datasets": {d: asdict(s) for d, s in stats.items()}}
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
