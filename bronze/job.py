"""Glue entry point: bronze for one dataset (`--dataset`), one Step Functions Map iteration.

python -m bronze.job --raw PATH --warehouse PATH --dataset orders --run_id ID [--as_of ISO]
"""

from __future__ import annotations

import json

from bronze.ingest import ingest_dataset
from shared.jobargs import resolve
from shared.spark import get_spark
from shared.warehouse import parse_instant, utc_now


def main(argv: list[str] | None = None) -> dict:
    args = resolve(["raw", "warehouse", "dataset", "run_id"], {"as_of": ""}, argv)
    at = parse_instant(args["as_of"]) if args["as_of"] else utc_now()
    result = ingest_dataset(
        get_spark("bronze"), args["raw"], args["warehouse"], args["dataset"], args["run_id"], at
    )
    report = {
        "dataset": result.dataset,
        "rows_appended": result.rows_appended,
        "files": [{"file": p.raw.file, "action": p.action, "reason": p.reason} for p in result.plans],
    }
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
