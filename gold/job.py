"""Glue entry point: gold, every table or one (`--table`, one Step Functions Map iteration), for
the dates silver's change feed says changed, plus `--dates` (comma-separated) when reprocessing.

python -m gold.job --warehouse PATH --run_id ID [--table daily_sales] [--dates 2025-04-01,2025-04-02]
                   [--catalog none|file|glue] [--env dev]
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

from gold.step import run_gold
from shared import logs, runs, storage
from shared.catalog import register_job_tables
from shared.contract import GOLD, GOLD_TABLES
from shared.jobargs import resolve
from shared.spark import get_spark
from shared.warehouse import utc_now

log = logging.getLogger("lakehouse")
OPTIONAL = {"dates": "", "table": "", "catalog": "none", "env": "dev"}


def main(argv: list[str] | None = None) -> dict:
    logs.configure(logs.JSON)  # one JSON object per line: CloudWatch reads the fields
    args = resolve(["warehouse", "run_id"], OPTIONAL, argv)
    if args["table"] and args["table"] not in GOLD_TABLES:
        raise SystemExit(f"--table {args['table']}: not a gold table (one of {', '.join(GOLD_TABLES)})")
    tables = (args["table"],) if args["table"] else GOLD_TABLES
    extra = [dt.date.fromisoformat(d) for d in args["dates"].split(",") if d.strip()]
    spark, wh = get_spark("gold"), args["warehouse"]
    start = time.perf_counter()
    dates = run_gold(spark, wh, args["run_id"], utc_now(), extra, tables)
    register_job_tables(spark, wh, args["catalog"], args["env"], [(GOLD, t) for t in tables])
    seconds = round(time.perf_counter() - start, 3)  # all of `tables` together
    report = {"tables": list(tables), "dates": [d.isoformat() for d in dates], "seconds": seconds}
    for table in tables:
        storage.write_json(spark, runs.report_path(wh, args["run_id"], GOLD, table), report)
    log.info(
        "gold %s: %d dates recomputed",
        ", ".join(tables),
        len(dates),
        extra={"run_id": args["run_id"], "layer": GOLD, "dataset": ",".join(tables), **report},
    )
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
