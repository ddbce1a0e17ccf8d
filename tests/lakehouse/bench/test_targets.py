"""The benchmark's verdicts, on hand-written reports (no Spark)."""

from __future__ import annotations

from lakehouse.bench.targets import check, foreign_rewrites, render


def run(days, rewritten, table="silver.orders", operation="MERGE"):
    commit = {"version": 5, "operation": operation, "partitions_rewritten": rewritten}
    return {"days": days, "merges": {table: [commit]}}


def report(load_ratio=2.0, growth=1.1, files=5, runs=None):
    load = {"orders": 1_000_000, "rows": 6, "ratio": load_ratio}
    partitions = {"bronze.orders": {"max_files_per_partition": files}}
    daily = {"seconds_per_run": [1.0, 1.2], "partitions": partitions}
    incremental = {"history_days": [10, 100], "ratio": growth, "daily": daily}
    incremental["runs"] = {10: runs or [run(["2025-04-11"], ["date=2025-04-11"])], 100: []}
    return {"loads": [{"orders": 10, "rows": 60, "ratio": 9.0}, load], "incremental": incremental}


def test_every_target_met_on_a_good_report():
    assert [t["met"] for t in check(report())] == [True, True, True, True]


def test_each_target_fails_on_its_own():
    assert [t["met"] for t in check(report(load_ratio=2.6))] == [False, True, True, True]
    assert [t["met"] for t in check(report(growth=1.31))] == [True, False, True, True]
    assert [t["met"] for t in check(report(files=9))] == [True, True, True, False]


def test_the_largest_scale_decides_the_load_ratio():
    # the 10-order load's 9.0 is not the one compared
    assert check(report())[0]["value"] == 2.0


def test_a_rewrite_outside_the_drops_dates_is_named():
    runs = [run(["2025-04-11"], ["date=2025-04-11", "date=2025-04-02"])]
    assert foreign_rewrites(runs) == ["silver.orders@5: date=2025-04-02"]
    assert not check(report(runs=runs))[2]["met"]


def test_unpartitioned_tables_and_compactions_are_not_rewrites_of_a_partition():
    runs = [
        run(["2025-04-11"], [""], table="bronze.orders"),
        run(["2025-04-11"], ["date=2025-04-02"], operation="OPTIMIZE"),
    ]
    assert foreign_rewrites(runs) == []


def test_render_marks_a_missed_target():
    text = report(growth=1.5)
    text["targets"] = check(text)
    for load in text["loads"]:
        load.update(
            floor={"seconds": 1.0},
            pipeline={"seconds": 2.0, "peak_memory_mib": {"jvm": 1.0, "python": 1.0}, "seconds_by_phase": {}},
            pipeline_rows_per_second=3,
        )
    text["incremental"]["mean_seconds"] = {10: 1.0, 100: 1.5}
    assert "[MISSED] one-day run, 100 days of history / 10 days: 1.5" in render(text)


def test_render_sets_the_bare_medallion_beside_the_floor():
    text = report()
    text["targets"] = check(text)
    for load in text["loads"]:
        load.update(
            floor={"seconds": 1.0},
            bare={"seconds": 4.0, "seconds_by_phase": {"bronze": 2.0, "silver": 1.5, "gold": 0.5}},
            bare_ratio=4.0,
            pipeline={"seconds": 2.0, "peak_memory_mib": {"jvm": 1.0, "python": 1.0}, "seconds_by_phase": {}},
            pipeline_rows_per_second=3,
        )
    text["incremental"]["mean_seconds"] = {10: 1.0, 100: 1.1}
    assert "bare medallion at 1,000,000 orders: 4.0 s, 4.00x the floor (bronze 2.0" in render(text)
