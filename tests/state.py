"""Helpers of the crash and concurrency tests: `lakehouse run` as its own process (so it can be
killed with SIGKILL, JVM and all), and a digest of what readers see in every table."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from pyspark.sql import functions as F

from shared import delta
from shared.spark import scratch_env
from shared.warehouse import all_tables, table_path
from tests.test_pipeline import AS_OF

ROOT = Path(__file__).parents[1]
# Columns that name the run that wrote a row: two runs of the same data differ only there.
RUN_COLUMNS = {"_run_id", "_silver_run_id", "run_id", "resolved_run_id"}


def start_run(raw: Path, warehouse: Path) -> subprocess.Popen:
    """`lakehouse run` in its own process group, progress (DEBUG: each move) on stderr. Its Spark
    keeps its temporary files in a scratch folder of its own, which `kill` removes (a JVM killed
    with SIGKILL cannot)."""
    scratch = tempfile.mkdtemp(prefix="run-scratch-", dir=Path(warehouse).parent)
    env = {
        **os.environ,
        "LAKEHOUSE_LOG_LEVEL": "DEBUG",
        "PYTHONUNBUFFERED": "1",
        **scratch_env(scratch),
    }
    command = [sys.executable, "-m", "lakehouse.cli", "run", "--raw", str(raw), "--warehouse", str(warehouse)]
    process = subprocess.Popen(
        [*command, "--as-of", AS_OF, "--json", "--catalog", "none"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    process.scratch = scratch
    return process


def kill(process: subprocess.Popen) -> None:
    """kill -9 the run's whole process group: the Python driver and its JVM at once."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    shutil.rmtree(process.scratch, ignore_errors=True)


def digest(spark, warehouse) -> dict[str, str]:
    """{table: sha-256 of its rows (sorted), run-id columns left out} for every table readers see."""
    out = {}
    for layer, table in all_tables():
        path = table_path(str(warehouse), layer, table)
        if not delta.exists(spark, path):
            out[f"{layer}.{table}"] = "absent"
            continue
        df = delta.read(spark, path)
        cols = sorted(c for c in df.columns if c not in RUN_COLUMNS)
        rows = df.select(F.sha2(F.to_json(F.struct(*cols)), 256)).collect()  # a test's small tables
        out[f"{layer}.{table}"] = hashlib.sha256("".join(sorted(r[0] for r in rows)).encode()).hexdigest()
    return out
