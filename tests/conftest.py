"""One Delta-enabled SparkSession for the whole test session (local[2], UI off, few partitions)."""

from __future__ import annotations

import pytest

from shared.spark import get_spark


@pytest.fixture(scope="session")
def spark():
    session = get_spark(
        "lakehouse-tests", master="local[2]", extra_conf={"spark.sql.shuffle.partitions": "2"}
    )
    yield session
    session.stop()
