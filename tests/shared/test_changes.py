"""Change-feed reads behind a watermark: new commits only, bounded replays, maintenance ignored."""

import datetime as dt

from shared import changes, delta

AT = dt.datetime(2025, 4, 1, tzinfo=dt.UTC)


def test_reads_only_commits_after_the_mark_and_ignores_maintenance(spark, tmp_path):
    source, marks = str(tmp_path / "source"), str(tmp_path / "marks")
    changes.ensure_watermarks(spark, marks)
    delta.ensure_table(spark, source, spark.range(0).schema, properties=changes.CDF_PROPERTIES)
    for n in (1, 2):
        spark.range(n * 10, n * 10 + 3).write.format("delta").mode("append").save(source)

    feed, latest = changes.changes_since_mark(spark, source, marks, "s", until=1)
    assert latest == 1 and sorted(r.id for r in feed.where("_change_type = 'insert'").collect()) == [
        10,
        11,
        12,
    ]
    changes.save_mark(spark, marks, "s", latest, "run-1", AT)

    feed, latest = changes.changes_since_mark(spark, source, marks, "s")
    assert latest == 2 and sorted(r.id for r in feed.select("id").collect()) == [20, 21, 22]
    changes.save_mark(spark, marks, "s", latest, "run-2", AT)

    spark.sql(f"OPTIMIZE delta.`{source}`")  # compaction: a commit, but no new data
    assert delta.latest_version(spark, source) == 3
    assert changes.changes_since_mark(spark, source, marks, "s") == (None, 3)
