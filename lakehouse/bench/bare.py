"""The bare medallion: the least any three-layer pipeline does with the same data, for `make bench`.

Bronze appends each dataset's CSVs as strings with two lineage columns; silver casts to the
contract's types, keeps one row per key and overwrites Delta tables partitioned like ours; gold
writes the same two aggregates as gold. No validation, no quarantine, no ledger, no MERGE, no
watermarks: what remains is the I/O and shuffles every medallion pays. Its time against the floor
shows how much of the pipeline's ratio is the shape of the design and how much is our own work.
"""

from __future__ import annotations

import time

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from bronze.ingest import CSV_OPTIONS
from gold.aggregates import daily_sales, department_daily_sales
from shared import contract
from silver.schema import SPARK_TYPES


def _strings(dataset: str) -> str:
    return ", ".join(f"`{name}` string" for name in contract.FIELD_NAMES[dataset])


def _typed(frame: DataFrame, dataset: str) -> DataFrame:
    return frame.select(
        [F.col(f.name).cast(SPARK_TYPES[f.type]).alias(f.name) for f in contract.FIELDS[dataset]]
    )


def bare_medallion(spark: SparkSession, raw: str, out: str) -> dict:
    """Run the three bare layers over `raw` into `out`; seconds per layer."""
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    for dataset in contract.DATASETS:
        frame = spark.read.schema(_strings(dataset)).options(**CSV_OPTIONS).csv(f"{raw}/{dataset}")
        lineage = frame.withColumn("_source_file", F.input_file_name()).withColumn(
            "_ingested_at", F.current_timestamp()
        )
        lineage.write.format("delta").mode("append").save(f"{out}/bronze/{dataset}")
    seconds["bronze"] = round(time.perf_counter() - start, 3)

    start = time.perf_counter()
    for dataset in contract.DATASETS:
        bronze = spark.read.format("delta").load(f"{out}/bronze/{dataset}")
        silver = _typed(bronze, dataset).dropDuplicates([contract.PRIMARY_KEY[dataset]])
        writer = silver.write.format("delta").mode("overwrite")
        if contract.PARTITION_BY[dataset]:
            writer = writer.partitionBy(contract.PARTITION_BY[dataset])
        writer.save(f"{out}/silver/{dataset}")
    seconds["silver"] = round(time.perf_counter() - start, 3)

    start = time.perf_counter()
    silver = {d: spark.read.format("delta").load(f"{out}/silver/{d}") for d in contract.DATASETS}
    daily = daily_sales(silver[contract.ORDERS], silver[contract.ORDER_ITEMS])
    daily.write.format("delta").mode("overwrite").save(f"{out}/gold/daily_sales")
    departments = department_daily_sales(silver[contract.ORDER_ITEMS], silver[contract.PRODUCTS])
    departments.write.format("delta").mode("overwrite").save(f"{out}/gold/department_daily_sales")
    seconds["gold"] = round(time.perf_counter() - start, 3)
    return {"seconds_by_phase": seconds}
