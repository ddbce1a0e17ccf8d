"""Glue entry point: gold for the given dates (comma-separated, as silver's job reports them).

python -m gold.job --warehouse PATH --dates 2025-04-01,2025-04-02
"""

from __future__ import annotations

import datetime as dt
import json

from gold.step import run_gold
from shared.jobargs import resolve
from shared.spark import get_spark


def main(argv: list[str] | None = None) -> dict:
    args = resolve(["warehouse"], {"dates": ""}, argv)
    dates = [dt.date.fromisoformat(d) for d in args["dates"].split(",") if d.strip()]
    run_gold(get_spark("gold"), args["warehouse"], dates)
    report = {"dates": [d.isoformat() for d in dates]}
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
