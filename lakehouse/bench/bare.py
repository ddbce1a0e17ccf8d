"""The bare medallion: the least any three-layer pipeline does with the same data, for `make bench`.

Bronze appends each dataset's CSVs as strings with two lineage columns; silver casts to the
contract's types, keeps one row per key and overwrites Delta tables partitioned like ours; gold
writes the same two aggregates as gold. No validation, no quarantine, no ledger, no MERGE, no
watermarks: what remains is the I/O and shuffles every medallion pays. Its time against the floor
shows how much of the pipeline's ratio is the shape of the design and how much is our own work.
"""

from __future__ import annotations

import time

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from bronze.ingest import CSV_OPTIONS
from gold.aggregates import daily_sales, department_daily_sales
from shared import contract, delta, storage
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


def bare_increment(spark: SparkSession, raw: str, out: str) -> dict:
    """The bare medallion's daily form, over tables `bare_medallion` built: bronze appends the
    day's CSVs as strings; silver MERGEs the day's rows by key, cast, one per key, into the
    partitions of the day's dates (no validation, quarantine, ledger or watermark); gold rewrites
    the rows of those dates. Seconds per layer."""
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    day: dict[str, DataFrame] = {}
    for dataset in contract.DATASETS:
        if not storage.list_files(spark, f"{raw}/{dataset}", ".csv"):
            continue  # no file of this dataset today
        frame = spark.read.schema(_strings(dataset)).options(**CSV_OPTIONS).csv(f"{raw}/{dataset}")
        lineage = frame.withColumn("_source_file", F.input_file_name()).withColumn(
            "_ingested_at", F.current_timestamp()
        )
        lineage.write.format("delta").mode("append").save(f"{out}/bronze/{dataset}")
        day[dataset] = frame
    seconds["bronze"] = round(time.perf_counter() - start, 3)

    start = time.perf_counter()
    dates: set = set()
    for dataset, frame in day.items():
        key, column = contract.PRIMARY_KEY[dataset], contract.PARTITION_BY[dataset]
        rows = _typed(frame, dataset).dropDuplicates([key])
        on = delta.same_keys(key)
        if column:  # the day's partitions only (a handful of values reach the driver)
            touched = [r[0] for r in rows.select(column).distinct().collect()]
            dates |= set(touched)
            on = F.col(f"t.{column}").isin(touched) & on
        target = DeltaTable.forPath(spark, f"{out}/silver/{dataset}").alias("t")
        target.merge(rows.alias("s"), on).whenMatchedUpdateAll().whenNotMatchedInsertAll().execute()
    seconds["silver"] = round(time.perf_counter() - start, 3)

    start = time.perf_counter()
    if dates:
        silver = {d: spark.read.format("delta").load(f"{out}/silver/{d}") for d in contract.DATASETS}
        of_day = {
            d: silver[d].where(F.col("date").isin(sorted(dates)))
            for d in (contract.ORDERS, contract.ORDER_ITEMS)
        }
        replace = "date IN ({})".format(", ".join(f"DATE'{d.isoformat()}'" for d in sorted(dates)))
        for name, frame in (
            ("daily_sales", daily_sales(of_day[contract.ORDERS], of_day[contract.ORDER_ITEMS])),
            (
                "department_daily_sales",
                department_daily_sales(of_day[contract.ORDER_ITEMS], silver[contract.PRODUCTS]),
            ),
        ):
            frame.write.format("delta").mode("overwrite").option("replaceWhere", replace).save(
                f"{out}/gold/{name}"
            )
    seconds["gold"] = round(time.perf_counter() - start, 3)
    return {"seconds_by_phase": seconds}
