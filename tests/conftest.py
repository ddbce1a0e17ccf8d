"""One Delta-enabled SparkSession for the whole test session (local[2], UI off, few partitions)."""

from __future__ import annotations

import pytest

from shared.spark import get_spark


@pytest.fixture(scope="session")
def spark():
    # A 2 GB heap (the jobs' default is 4 GB): each of `make test`'s two workers has one session
    # beside the local runtime's Glue drivers, and the tests' data is small.
    session = get_spark(
        "lakehouse-tests",
        master="local[2]",
        extra_conf={"spark.sql.shuffle.partitions": "2", "spark.driver.memory": "2g"},
    )
    yield session
    session.stop()


# The longest test files (minutes on 2 cores, measured on a clean clone), run first: `make test`'s
# two workers (pytest-xdist, --dist loadfile --no-loadscope-reorder) take whole files in this
# order, so neither is left alone with a long file at the end. Every other file keeps its place.
LONGEST_FIRST = (
    "tests/orchestration/test_local_pipeline.py",
    "tests/orchestration/test_faults.py",
    "tests/test_concurrency.py",
    "tests/orchestration/test_hostile_names.py",
    "tests/orchestration/test_release.py",
    "tests/orchestration/test_glue_role.py",
    "tests/test_pipeline.py",
    "tests/lakehouse/test_maintain.py",
    "tests/test_crash.py",
    "tests/silver/test_readmitted.py",
    "tests/gold/test_step.py",
    "tests/test_sql.py",
    "tests/orchestration/local/test_archive_at_scale.py",
    "tests/lakehouse/test_cli.py",
    "tests/silver/test_reprocess.py",
    "tests/lakehouse/test_audit.py",
    "tests/orchestration/test_logstore.py",
    "tests/test_corpus.py",
    "tests/lakehouse/report/test_build.py",
    "tests/orchestration/test_deploy.py",
)


def pytest_collection_modifyitems(items):
    rank = {path: n for n, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))
