"""The partitions a silver MERGE names: the incoming rows' and those holding a stored row of an
incoming key (tests/gold/test_step.py runs an order that moves a day through the whole MERGE)."""

import datetime as dt

from silver.tables import touched_partitions

D1, D2, D3 = dt.date(2025, 4, 1), dt.date(2025, 4, 2), dt.date(2025, 4, 3)
SCHEMA = "order_id long, date date"


def test_a_new_day_touches_its_own_partition_only(spark):
    stored = spark.createDataFrame([(1, D1), (2, D2)], SCHEMA)
    incoming = spark.createDataFrame([(3, D3), (4, D3)], SCHEMA)
    assert touched_partitions(stored, incoming, "order_id", "date") == [D3]


def test_a_key_stored_under_another_date_adds_that_partition(spark):
    stored = spark.createDataFrame([(1, D1), (2, D2)], SCHEMA)
    incoming = spark.createDataFrame([(1, D3), (5, D3)], SCHEMA)  # order 1 re-sent with a new date
    assert touched_partitions(stored, incoming, "order_id", "date") == [D1, D3]


def test_no_incoming_rows_touch_nothing(spark):
    stored = spark.createDataFrame([(1, D1)], SCHEMA)
    assert touched_partitions(stored, spark.createDataFrame([], SCHEMA), "order_id", "date") == []


def test_null_keys_match_nothing_but_their_date_counts(spark):
    stored = spark.createDataFrame([(1, D1)], SCHEMA)
    incoming = spark.createDataFrame([(None, D2), (1, D2)], SCHEMA)
    assert touched_partitions(stored, incoming, "order_id", "date") == [D1, D2]
