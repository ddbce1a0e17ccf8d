"""Glue entry point: gold for the given dates (comma-separated, as silver's job reports them).

python -m gold.job --warehouse PATH --dates 2025-04-01,2025-04-02
"""

from __future__ import annotations

import datetime as dt
import json

from gold.step import run_gold
from shared.jobargs import resolve
from shared.spark import get_spark
from shared.warehouse import utc_now


def main(argv: list[str] | None = None) -> dict:
    args = resolve(["warehouse", "run_id"], {"dates": ""}, argv)
    extra = [dt.date.fromisoformat(d) for d in args["dates"].split(",") if d.strip()]
    dates = run_gold(get_spark("gold"), args["warehouse"], args["run_id"], utc_now(), extra)
    report = {"dates": [d.isoformat() for d in dates]}
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
