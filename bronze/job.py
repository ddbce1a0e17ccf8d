"""Glue entry point: bronze for one dataset (`--dataset`), one Step Functions Map iteration.

python -m bronze.job --raw PATH --warehouse PATH --dataset orders --run_id ID [--as_of ISO]
                     [--catalog none|file|glue] [--env dev]

Besides the append, it leaves the run's report and the archive manifest of the files it handled
under <warehouse>/_runs/<run_id>/ (shared.runs), for the state machine's archive step."""

from __future__ import annotations

import json
import logging
import time

from bronze.ingest import ingest_dataset
from shared import logs, runs, storage
from shared.catalog import register_job_tables
from shared.contract import BRONZE
from shared.jobargs import resolve
from shared.spark import get_spark
from shared.warehouse import parse_instant, utc_now

log = logging.getLogger("lakehouse")
OPTIONAL = {"as_of": "", "catalog": "none", "env": "dev"}


def main(argv: list[str] | None = None) -> dict:
    logs.configure(logs.JSON)  # one JSON object per line: CloudWatch reads the fields
    args = resolve(["raw", "warehouse", "dataset", "run_id"], OPTIONAL, argv)
    run_ts = parse_instant(args["as_of"]) if args["as_of"] else utc_now()
    spark = get_spark("bronze")
    wh, run_id, dataset = args["warehouse"], args["run_id"], args["dataset"]
    start = time.perf_counter()
    result = ingest_dataset(spark, args["raw"], wh, dataset, run_id, run_ts)
    register_job_tables(spark, wh, args["catalog"], args["env"], [(BRONZE, dataset)])
    report = {
        "dataset": result.dataset,
        "rows_appended": result.rows_appended,
        "files": [{"file": p.raw.file, "action": p.action, "reason": p.reason} for p in result.plans],
        "seconds": round(time.perf_counter() - start, 3),
    }
    runs.write_reasons(spark, args["raw"], run_id, result.plans)
    runs.write_manifest(spark, wh, args["raw"], dataset, run_id, result.plans)
    storage.write_json(spark, runs.report_path(wh, run_id, BRONZE, dataset), report)
    counts = runs.file_counts(report["files"])
    context = {"run_id": run_id, "layer": BRONZE, "dataset": dataset, "seconds": report["seconds"]}
    log.info(
        "bronze %s: %d rows appended from %d files",
        dataset,
        result.rows_appended,
        counts["files"],
        extra={**context, "rows_appended": result.rows_appended, **counts},
    )
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
