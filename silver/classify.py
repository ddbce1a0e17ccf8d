"""Row dispositions: dedup of valid rows within a run, and referential checks of order items.

Pure DataFrame -> DataFrame functions over the validator's output (typed fields, _reasons)."""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from shared.contract import (
    ACCEPTED,
    DISPOSITION,
    DUPLICATE,
    EXPIRED,
    FIELD_NAMES,
    GRACE_EXPIRED,
    ORDER_TIMESTAMP,
    ORPHAN_ORDER,
    ORPHAN_PRODUCT,
    PENDING,
    PRIMARY_KEY,
    READMITTED,
    REASONS,
    REJECTED,
    ROW_NUMBER,
    SOURCE_FILE,
    USER_MISMATCH,
)


def winner_order(dataset: str) -> list[Column]:
    """The contract's dedup order: latest order_timestamp (where the dataset has one), then the
    later source file by path, then the later row in the file."""
    by_time = [F.col(ORDER_TIMESTAMP).desc()] if ORDER_TIMESTAMP in FIELD_NAMES[dataset] else []
    return by_time + [F.col(SOURCE_FILE).desc(), F.col(ROW_NUMBER).desc()]


def dedupe(df: DataFrame, dataset: str) -> DataFrame:
    """Keep one row per primary key: the winner by `winner_order`."""
    rank = Window.partitionBy(PRIMARY_KEY[dataset]).orderBy(*winner_order(dataset))
    return df.withColumn("_rank", F.row_number().over(rank)).where(F.col("_rank") == 1).drop("_rank")


def classify(df: DataFrame, dataset: str) -> DataFrame:
    """rejected (any reason), else accepted for the dedup winner of its key, else duplicate."""
    valid = F.size(REASONS) == 0
    rank = Window.partitionBy(valid, F.col(PRIMARY_KEY[dataset])).orderBy(*winner_order(dataset))
    return (
        df.withColumn("_rank", F.row_number().over(rank))
        .withColumn(
            DISPOSITION,
            F.when(~valid, F.lit(REJECTED))
            .when(F.col("_rank") == 1, F.lit(ACCEPTED))
            .otherwise(F.lit(DUPLICATE)),
        )
        .drop("_rank")
    )


def check_references(items: DataFrame, orders: DataFrame, products: DataFrame) -> DataFrame:
    """Accepted items whose order has another user_id are rejected (USER_MISMATCH); accepted items
    whose order or product is not in silver become pending (ORPHAN_ORDER, ORPHAN_PRODUCT)."""
    parents = orders.select(F.col("order_id").alias("_ref_order"), F.col("user_id").alias("_ref_user"))
    known = products.select(F.col("product_id").alias("_ref_product"))
    checked = F.col(DISPOSITION) == ACCEPTED
    problems = F.filter(
        F.array(
            F.when(F.col("_ref_order").isNull(), F.lit(ORPHAN_ORDER)),
            F.when(F.col("_ref_user") != F.col("user_id"), F.lit(USER_MISMATCH)),
            F.when(F.col("_ref_product").isNull(), F.lit(ORPHAN_PRODUCT)),
        ),
        lambda reason: reason.isNotNull(),
    )
    return (
        items.join(parents, items["order_id"] == parents["_ref_order"], how="left")
        .join(known, items["product_id"] == known["_ref_product"], how="left")
        .withColumn("_problems", F.array_sort(problems))
        .withColumn(REASONS, F.when(checked, F.col("_problems")).otherwise(F.col(REASONS)))
        .withColumn(
            DISPOSITION,
            F.when(~checked, F.col(DISPOSITION))
            .when(F.array_contains("_problems", USER_MISMATCH), F.lit(REJECTED))
            .when(F.size("_problems") > 0, F.lit(PENDING))
            .otherwise(F.lit(ACCEPTED)),
        )
        .drop("_ref_order", "_ref_user", "_ref_product", "_problems")
    )


def resolve_pending(rechecked: DataFrame, run_ts: dt.datetime, grace_days: int) -> DataFrame:
    """Earlier pending items after a new referential check: admitted ones are readmitted; a user
    mismatch, or an orphan first seen more than `grace_days` before the run, is expired (rejected
    for good); the rest stay pending. Needs `first_seen_at`."""
    deadline = F.lit(run_ts - dt.timedelta(days=grace_days)).cast("timestamp")
    late = F.col("first_seen_at") < deadline
    disposition = F.col(DISPOSITION)
    return rechecked.withColumn(
        REASONS,
        F.when(
            (disposition == PENDING) & late, F.array_union(F.col(REASONS), F.array(F.lit(GRACE_EXPIRED)))
        ).otherwise(F.col(REASONS)),
    ).withColumn(
        DISPOSITION,
        F.when(disposition == ACCEPTED, F.lit(READMITTED))
        .when(disposition == REJECTED, F.lit(EXPIRED))
        .when(late, F.lit(EXPIRED))
        .otherwise(F.lit(PENDING)),
    )


def yield_to_readmitted(new: DataFrame, readmitted: DataFrame, dataset: str) -> DataFrame:
    """A new accepted row that loses, by the winner order, to an earlier pending row of the same
    key readmitted in this run is a duplicate: the readmitted row is the one silver gets."""
    key = PRIMARY_KEY[dataset]
    rivals = dedupe(readmitted, dataset).select(
        F.col(key).alias("_rival"),
        F.col(ORDER_TIMESTAMP).alias("_rival_ts"),
        F.col(SOURCE_FILE).alias("_rival_file"),
        F.col(ROW_NUMBER).alias("_rival_row"),
    )
    later = (F.col("_rival_ts") > F.col(ORDER_TIMESTAMP)) | (
        (F.col("_rival_ts") == F.col(ORDER_TIMESTAMP))
        & (
            (F.col("_rival_file") > F.col(SOURCE_FILE))
            | ((F.col("_rival_file") == F.col(SOURCE_FILE)) & (F.col("_rival_row") > F.col(ROW_NUMBER)))
        )
    )
    beaten = (F.col(DISPOSITION) == ACCEPTED) & F.col("_rival").isNotNull() & later
    return (
        new.join(rivals, new[key] == rivals["_rival"], how="left")
        .withColumn(DISPOSITION, F.when(beaten, F.lit(DUPLICATE)).otherwise(F.col(DISPOSITION)))
        .drop("_rival", "_rival_ts", "_rival_file", "_rival_row")
    )
