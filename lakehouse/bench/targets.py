"""The performance targets the benchmark checks (README "Performance"), and its text summary."""

from __future__ import annotations

from lakehouse.bench import breakdown

MAX_LOAD_RATIO = 2.5  # full pipeline / floor, at the largest scale
MAX_GROWTH_RATIO = 1.3  # one-day run on the long history / on the short one
MAX_FILES_PER_PARTITION = 8  # after the daily increments (the compaction policy)
DATED_TABLES = ("silver.orders", "silver.order_items")  # partitioned by date
REWRITES = ("MERGE", "WRITE", "DELETE", "UPDATE")  # commits that can rewrite data files


def foreign_rewrites(runs: list[dict]) -> list[str]:
    """Rewritten files of a date-partitioned table outside the dates of the run's drop."""
    found = []
    for run in runs:
        allowed = {f"date={day}" for day in run["days"]}
        for table in DATED_TABLES:
            for commit in run["merges"].get(table, []):
                if commit["operation"] in REWRITES:
                    outside = [p for p in commit["partitions_rewritten"] if p not in allowed]
                    found += [f"{table}@{commit['version']}: {p}" for p in outside]
    return found


def check(report: dict) -> list[dict]:
    largest = max(report["loads"], key=lambda load: load["orders"])
    inc = report["incremental"]
    runs = [run for history in inc["runs"].values() for run in history]
    foreign = foreign_rewrites(runs)
    results = [
        {
            "target": f"full pipeline / floor at {largest['orders']:,} orders",
            "value": largest["ratio"],
            "limit": MAX_LOAD_RATIO,
            "met": largest["ratio"] <= MAX_LOAD_RATIO,
            "bare_medallion_ratio": largest.get("bare_ratio"),
        },
        {
            "target": "one-day run, {1} days of history / {0} days".format(*inc["history_days"]),
            "value": inc["ratio"],
            "limit": MAX_GROWTH_RATIO,
            "met": inc["ratio"] <= MAX_GROWTH_RATIO,
        },
        {
            "target": "MERGE rewrites only files of the drop's partitions",
            "value": foreign,
            "limit": [],
            "met": not foreign,
        },
    ]
    if inc.get("daily"):
        most = max(t["max_files_per_partition"] for t in inc["daily"]["partitions"].values())
        results.append(
            {
                "target": f"files in any partition after {len(inc['daily']['seconds_per_run'])} daily runs",
                "value": most,
                "limit": MAX_FILES_PER_PARTITION,
                "met": most <= MAX_FILES_PER_PARTITION,
            }
        )
    return results


def render(report: dict) -> str:
    lines = ["", "scale            rows   floor s  pipeline s  ratio  rows/s  peak MiB (jvm+py)"]
    bare = []
    for load in report["loads"]:
        memory = load["pipeline"]["peak_memory_mib"]
        lines.append(
            f"{load['orders']:>9,} {load['rows']:>11,} {load['floor']['seconds']:>8.1f} "
            f"{load['pipeline']['seconds']:>11.1f} {load['ratio']:>6.2f} "
            f"{load['pipeline_rows_per_second']:>7,} {memory['jvm'] + memory['python']:>8,.0f}"
        )
        phases = ", ".join(f"{k} {v:.1f}" for k, v in load["pipeline"]["seconds_by_phase"].items())
        lines.append(f"          seconds by phase: {phases}")
        if "bare" in load:
            bare_phases = ", ".join(f"{k} {v:.1f}" for k, v in load["bare"]["seconds_by_phase"].items())
            bare.append(
                f"bare medallion at {load['orders']:,} orders: {load['bare']['seconds']:.1f} s, "
                f"{load['bare_ratio']:.2f}x the floor ({bare_phases})"
            )
    lines += ["", *bare] if bare else []
    inc = report["incremental"]
    lines.append("")
    for h, seconds in inc["mean_seconds"].items():
        lines.append(f"one-day run into {h} days of history: {seconds:.1f} s (mean)")
        last = inc["runs"][h][-1] if inc["runs"].get(h) else None
        if last and last.get("breakdown"):
            lines.append(breakdown.render(last["breakdown"], last.get("seconds_by_phase")))
    if inc.get("daily"):
        runs = inc["daily"]["seconds_per_run"]
        lines.append(f"{len(runs)} daily runs: first {runs[0]:.1f} s, last {runs[-1]:.1f} s")
    lines.append("")
    for t in report["targets"]:
        lines.append(f"[{'met' if t['met'] else 'MISSED'}] {t['target']}: {t['value']} (limit {t['limit']})")
    return "\n".join(lines)
