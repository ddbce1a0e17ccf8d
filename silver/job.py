"""Glue entry point: silver for every dataset with new bronze rows (products, orders, then items:
items are checked against parents merged in the same run).

    python -m silver.job --warehouse PATH --run_id ID [--as_of ISO] [--grace_days 7]
"""

from __future__ import annotations

import json
from dataclasses import asdict

from shared.contract import DEFAULT_GRACE_DAYS
from shared.jobargs import resolve
from shared.spark import get_spark
from shared.warehouse import parse_instant, utc_now
from silver.step import run_silver


def main(argv: list[str] | None = None) -> dict:
    args = resolve(["warehouse", "run_id"], {"as_of": "", "grace_days": str(DEFAULT_GRACE_DAYS)}, argv)
    at = parse_instant(args["as_of"]) if args["as_of"] else utc_now()
    result = run_silver(get_spark("silver"), args["warehouse"], args["run_id"], at, int(args["grace_days"]))
    report = {"datasets": {d: asdict(s) for d, s in result.items()}}
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
