"""The compaction policy on real Delta tables: a partition reaching COMPACT_AT_FILES files is
bin-packed, others are left alone, and the data and the change feed are unchanged."""

from __future__ import annotations

from chispa import assert_df_equality
from delta.tables import DeltaTable

from shared import delta
from shared.compaction import COMPACT_AT_FILES, compact


def append_files(spark, path, rows_by_part, partitioned=True):
    """One single-file append per (part, x) row."""
    for part, x in rows_by_part:
        writer = spark.createDataFrame([(x, part)], "x long, part string").coalesce(1).write.format("delta")
        writer = writer.partitionBy("part") if partitioned else writer
        writer.mode("append").option("delta.enableChangeDataFeed", "true").save(path)


def files_by_part(spark, path):
    files = delta.read(spark, path).inputFiles()
    return {p: sum(1 for f in files if f"/part={p}/" in f) for p in ("a", "b")}


def test_only_the_partition_that_reached_the_threshold_is_compacted(spark, tmp_path):
    path = str(tmp_path / "t")
    append_files(spark, path, [("a", i) for i in range(COMPACT_AT_FILES)] + [("b", 100), ("b", 101)])
    before = delta.read(spark, path)
    expected = spark.createDataFrame(before.collect(), before.schema)
    assert compact(spark, [path]) == COMPACT_AT_FILES
    assert files_by_part(spark, path) == {"a": 1, "b": 2}
    assert_df_equality(delta.read(spark, path), expected, ignore_row_order=True)
    last = DeltaTable.forPath(spark, path).history(1).head()
    assert last.operation == "OPTIMIZE"
    # dataChange=false: the change feed of that commit is empty
    assert delta.changes(spark, path, last.version, last.version).isEmpty()


def test_below_the_threshold_nothing_is_written(spark, tmp_path):
    path = str(tmp_path / "t")
    append_files(spark, path, [("a", i) for i in range(COMPACT_AT_FILES - 1)])
    version = delta.latest_version(spark, path)
    assert compact(spark, [path, str(tmp_path / "missing")]) == 0
    assert delta.latest_version(spark, path) == version


def test_an_unpartitioned_table_is_one_partition(spark, tmp_path):
    path = str(tmp_path / "t")
    append_files(spark, path, [("a", i) for i in range(COMPACT_AT_FILES)], partitioned=False)
    assert compact(spark, [path]) == COMPACT_AT_FILES
    assert len(delta.read(spark, path).inputFiles()) == 1
