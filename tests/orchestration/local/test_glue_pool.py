"""Warm Glue drivers (orchestration.local.glue_pool, glue_driver): a driver runs job scripts one at a
time with their own arguments, environment, session and modules; a job's failure is its run's
outcome; a run that kills or wedges its driver ends without taking the pool down; two drivers run
at once."""

from __future__ import annotations

import json
import os
import threading
import time
import zipfile
from pathlib import Path

import pytest

from orchestration.local.glue_pool import MAX_IDLE, MAX_IDLE_TOTAL, DriverDied, Pool

KEY = "{}"
# Each script records what it saw in the JSON file named by its first argument.
SEE = """
import json, os, sys
import job_helper  # beside the script, as a job's own module
from pyspark.sql import SparkSession
spark = SparkSession.builder.config("spark.sql.shuffle.partitions", sys.argv[2]).getOrCreate()
seen = {
    "argv": sys.argv[1:],
    "env": os.environ.get("JOB_MARK"),
    "views": sorted(t.name for t in spark.catalog.listTables() if t.isTemporary),
    "partitions": spark.conf.get("spark.sql.shuffle.partitions"),
    "tz": spark.conf.get("spark.sql.session.timeZone"),
    "module": getattr(job_helper, "marked", False),
}
os.environ["JOB_MARK"] = sys.argv[2]
spark.range(3).createOrReplaceTempView("left_by_" + sys.argv[2])
job_helper.marked = True
json.dump(seen, open(sys.argv[1], "w"))
print("done", sys.argv[2])
"""


def script(tmp_path: Path, name: str, text: str) -> str:
    (tmp_path / "job_helper.py").write_text("marked = False\n")
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    return str(path)


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    pool = Pool()
    env = {**os.environ, "LAKEHOUSE_SPARK_CONF": json.dumps({"spark.sql.session.timeZone": "UTC"})}
    env.pop("PYTHONPATH", None)
    pool.logs = tmp_path_factory.mktemp("drivers")
    pool.env = env
    yield pool
    pool.shutdown()


def run(
    pool: Pool,
    tmp_path: Path,
    script_path: str,
    argv: list[str],
    deadline: float | None = None,
    paths: list[str] | None = None,
):
    driver = pool.acquire(KEY, pool.env, pool.logs)
    log = tmp_path / f"run-{time.monotonic_ns()}.log"
    request = {"script": script_path, "argv": argv, "paths": paths or [], "log": str(log)}
    try:
        answer = driver.run(request, deadline)
    except (DriverDied, TimeoutError):
        pool.discard(driver)
        raise
    pool.release(KEY, driver, answer["reusable"])
    return driver, answer, log.read_text()


def test_runs_on_one_driver_see_only_their_own_arguments_environment_views_and_settings(pool, tmp_path):
    see = script(tmp_path, "see", SEE)
    first, answer, log = run(pool, tmp_path, see, [str(tmp_path / "1.json"), "7"])
    assert answer["code"] == 0 and "done 7" in log
    second, answer, _ = run(pool, tmp_path, see, [str(tmp_path / "2.json"), "9"])
    assert second is first and answer["code"] == 0  # the same warm driver
    one, two = (json.loads((tmp_path / f"{n}.json").read_text()) for n in (1, 2))
    assert one["argv"] == [str(tmp_path / "1.json"), "7"] and two["argv"] == [str(tmp_path / "2.json"), "9"]
    assert one["env"] is None and two["env"] is None  # run 1 set JOB_MARK; run 2 does not see it
    assert one["views"] == [] and two["views"] == []  # nor its temporary view
    assert one["module"] is False and two["module"] is False  # nor a module it imported
    assert (one["partitions"], two["partitions"]) == ("7", "9")  # the builder's settings apply per run
    assert one["tz"] == two["tz"] == "UTC"  # the job definition's --conf holds for every run


def test_a_failing_job_reports_its_status_and_error_and_the_driver_serves_again(pool, tmp_path):
    failing = script(tmp_path, "fail", "raise ValueError('the input is bad')\n")
    exiting = script(tmp_path, "exit", "import sys\nsys.exit(3)\n")
    driver, answer, log = run(pool, tmp_path, failing, [])
    assert (answer["code"], answer["reusable"]) == (1, True) and "ValueError: the input is bad" in log
    assert answer["seconds"] >= 0
    again, answer, _ = run(pool, tmp_path, exiting, [])
    assert again is driver and answer["code"] == 3


# Imports the project's packages as a job would; records where each came from, or the error.
IMPORTS = """
import importlib, json, sys
seen = {}
for name in ("shared.marker", "lakehouse", "orchestration"):
    try:
        seen[name] = getattr(importlib.import_module(name), "WHERE", "installed")
    except ModuleNotFoundError as error:
        seen[name] = str(error)
json.dump(seen, open(sys.argv[1], "w"))
"""


def test_a_job_imports_the_project_only_from_its_bundle_as_on_glue(pool, tmp_path):
    bundle = tmp_path / "lakehouse.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("shared/__init__.py", "")
        archive.writestr("shared/marker.py", "WHERE = 'bundle'\n")
    job = script(tmp_path, "imports", IMPORTS)
    _, answer, log = run(pool, tmp_path, job, [str(tmp_path / "seen.json")], paths=[str(bundle)])
    assert answer["code"] == 0, log
    assert json.loads((tmp_path / "seen.json").read_text()) == {
        "shared.marker": "bundle",  # the bundle's copy, not the installed project's
        "lakehouse": "No module named 'lakehouse'",  # installed here, not shipped: absent as on Glue
        "orchestration": "No module named 'orchestration'",
    }


def test_a_job_that_kills_its_driver_or_hangs_ends_alone(pool, tmp_path):
    killer = script(tmp_path, "kill", "import os\nos._exit(9)\n")
    with pytest.raises(DriverDied, match="status 9"):
        run(pool, tmp_path, killer, [])
    sleeper = script(tmp_path, "sleep", "import time\ntime.sleep(600)\n")
    driver = pool.acquire(KEY, pool.env, pool.logs)
    driver.ready.wait()  # a new driver: its start (longer on a loaded machine) is not the run's
    started = time.monotonic()
    request = {"script": sleeper, "argv": [], "paths": [], "log": str(tmp_path / "sleep.log")}
    with pytest.raises(TimeoutError):
        driver.run(request, deadline=time.monotonic() + 3)
    assert time.monotonic() - started < 30  # the deadline ends the wait, not the script's 600 s
    pool.discard(driver)
    ok = script(tmp_path, "ok", "print('fine')\n")
    _, answer, log = run(pool, tmp_path, ok, [])  # a new driver takes over
    assert answer["code"] == 0 and "fine" in log


def test_two_drivers_run_at_once(pool, tmp_path):
    see = script(tmp_path, "see2", SEE)
    a = pool.acquire(KEY, pool.env, pool.logs)
    b = pool.acquire(KEY, pool.env, pool.logs)
    assert a is not b
    answers = {}

    def serve(driver, n):
        log = str(tmp_path / f"c{n}.log")
        request = {"script": see, "argv": [str(tmp_path / f"c{n}.json"), n], "paths": [], "log": log}
        answers[n] = driver.run(request, time.monotonic() + 300)

    threads = [threading.Thread(target=serve, args=pair) for pair in ((a, "3"), (b, "4"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pool.release(KEY, a), pool.release(KEY, b)
    assert {n: x["code"] for n, x in answers.items()} == {"3": 0, "4": 0}
    assert json.loads((tmp_path / "c4.json").read_text())["partitions"] == "4"


WHERE = """
import json, sys, tempfile
from pyspark import SparkFiles
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
jvm = spark.sparkContext._jvm.System.getProperty("java.io.tmpdir")
seen = {"files": SparkFiles.getRootDirectory(), "temp": tempfile.gettempdir(), "jvm": jvm}
json.dump(seen, open(sys.argv[1], "w"))
"""


def test_a_driver_keeps_spark_files_in_its_scratch_folder_and_ending_it_removes_the_folder(pool, tmp_path):
    where = script(tmp_path, "where", WHERE)
    driver = pool.acquire(KEY, pool.env, pool.logs)
    log = str(tmp_path / "where.log")
    answer = driver.run({"script": where, "argv": [str(tmp_path / "w.json")], "paths": [], "log": log}, None)
    seen = json.loads((tmp_path / "w.json").read_text())
    assert answer["code"] == 0
    # Spark's local dirs (the jars' copies, block manager), Python's and the JVM's temporary files.
    assert Path(seen["files"]).is_relative_to(driver.scratch)
    assert seen["temp"] == seen["jvm"] == str(driver.scratch)
    assert Path(seen["files"]).is_dir()
    pool.discard(driver)  # SIGKILL: the JVM's own clean-up never runs
    assert not driver.scratch.exists()


class _Held:
    """What the pool keeps of a driver: whether it lives, its runs, and killing it (no JVM: these
    tests are about which drivers the pool keeps, not what a driver does)."""

    def __init__(self) -> None:
        self.runs, self.killed = 0, False

    def alive(self) -> bool:
        return not self.killed

    def kill(self) -> None:
        self.killed = True


def test_idle_drivers_are_bounded_in_all_the_least_recently_released_going_first():
    pool, released = Pool(), []
    for key in ("env-a", "env-a", "env-b", "env-c"):  # one deployment after another
        driver = _Held()
        pool.release(key, driver)
        released.append(driver)

    assert len(pool.idle()) == MAX_IDLE_TOTAL == 3
    assert released[0].killed and not any(d.killed for d in released[1:])
    assert pool.idle("env-a") == [released[1]]
    assert pool.acquire("env-c", {}, Path(".")) is released[3]  # taken, not started anew
    assert pool.idle() == released[1:3]


def test_idle_drivers_of_one_setting_are_bounded_too():
    pool = Pool()
    drivers = [_Held() for _ in range(MAX_IDLE + 1)]
    for driver in drivers:
        pool.release("{}", driver)

    assert pool.idle("{}") == drivers[:MAX_IDLE]
    assert drivers[-1].killed
