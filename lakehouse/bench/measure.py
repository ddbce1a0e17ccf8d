"""One benchmark measurement in this process (one Spark session), printed as one JSON object.

`python -m lakehouse.bench.measure floor|bare|pipeline|increment|increments ...` is started by
lakehouse.bench.run, one process per measurement, so each starts cold, with the same session
settings (shared.spark), and its peak memory is its own. Only timings, counts from Delta's log
and file listings reach the driver: no table data is collected."""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from pyspark.sql import SparkSession

from bronze.ingest import CSV_OPTIONS
from lakehouse.bench import breakdown
from lakehouse.bench.bare import bare_medallion
from lakehouse.bench.layout import files_per_partition, merge_rewrites, table_versions
from lakehouse.pipeline import run_pipeline
from shared import contract
from shared.spark import get_spark
from silver.schema import SPARK_TYPES


def typed_schema(dataset: str) -> str:
    """The dataset's columns with their contract types, as a DDL string (no inference)."""
    return ", ".join(f"`{f.name}` {SPARK_TYPES[f.type].simpleString()}" for f in contract.FIELDS[dataset])


def floor(spark: SparkSession, raw: str, out: str) -> dict:
    """The physical floor: each dataset's CSVs read with an explicit schema, written as Parquet."""
    options = {"header": "true", "multiLine": CSV_OPTIONS["multiLine"], "escape": '"'}
    for dataset in contract.DATASETS:
        frame = spark.read.schema(typed_schema(dataset)).options(**options).csv(f"{raw}/{dataset}")
        frame.write.mode("overwrite").parquet(f"{out}/{dataset}")
    return {}


def pipeline(spark: SparkSession, raw: str, warehouse: str) -> dict:
    summary = run_pipeline(spark, raw, warehouse)
    if summary["status"] != "SUCCEEDED":
        raise RuntimeError(f"pipeline run failed: {summary.get('error')}")
    return {"seconds_by_phase": summary["seconds"], "datasets": summary["datasets"]}


def increment(spark: SparkSession, raw: str, warehouse: str) -> dict:
    """One pipeline run, then what each MERGE of that run rewrote (from the tables' logs)."""
    before = table_versions(spark, warehouse)
    result = pipeline(spark, raw, warehouse)
    result["merges"] = merge_rewrites(spark, warehouse, before)
    return result


def increments(spark: SparkSession, drops: list[str], warehouse: str) -> dict:
    """Run one drop after the other on one session; then the files and bytes per partition."""
    seconds = []
    for drop in drops:
        start = time.perf_counter()
        pipeline(spark, drop, warehouse)
        seconds.append(round(time.perf_counter() - start, 3))
    return {"seconds_per_run": seconds, "partitions": files_per_partition(spark, warehouse)}


def peak_memory_mib(spark: SparkSession) -> dict:
    """Peak resident memory (high-water mark) of the JVM and of this Python driver, in MiB."""
    jvm_pid = spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
    status = Path(f"/proc/{jvm_pid}/status").read_text(encoding="ascii")
    jvm_kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    python_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"jvm": round(jvm_kib / 1024, 1), "python": round(python_kib / 1024, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lakehouse.bench.measure")
    parser.add_argument("kind", choices=("floor", "bare", "pipeline", "increment", "increments"))
    parser.add_argument("--raw", action="append", required=True, help="a raw drop (repeatable)")
    parser.add_argument("--out", required=True, help="the Parquet folder or the warehouse")
    args = parser.parse_args(argv)
    # The one-day run records Spark's event log: where its time goes, per job (bench.breakdown).
    events = Path(tempfile.mkdtemp(prefix="bench-events-")) if args.kind == "increment" else None
    conf = {"spark.eventLog.enabled": "true", "spark.eventLog.dir": events.as_uri()} if events else None
    spark = get_spark("lakehouse-bench", extra_conf=conf)
    spark.range(1).count()  # the session is up and its first job ran: not part of any timing
    start = time.perf_counter()
    if args.kind == "floor":
        result = floor(spark, args.raw[0], args.out)
    elif args.kind == "bare":
        result = bare_medallion(spark, args.raw[0], args.out)
    elif args.kind == "pipeline":
        result = pipeline(spark, args.raw[0], args.out)
    elif args.kind == "increment":
        result = increment(spark, args.raw[0], args.out)
    else:
        result = increments(spark, args.raw, args.out)
    result["seconds"] = round(time.perf_counter() - start, 3)
    result["peak_memory_mib"] = peak_memory_mib(spark)
    result["pid"] = os.getpid()
    spark.stop()  # the event log is complete once the session stops
    if events is not None:
        result["breakdown"] = breakdown.summary(events)
        shutil.rmtree(events, ignore_errors=True)
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
