"""A warm Glue driver of the local AWS runtime: one Python process with a started Spark driver (the
job definition's `--conf`, Delta and S3A against the runtime), which then runs job scripts one at
a time, each as Glue runs it: `python job_script.py --JOB_NAME ... <arguments>`.

Started by orchestration.local.glue_pool as `python -m orchestration.local.glue_driver`. It reads
one JSON request a line on stdin, {"script", "argv", "paths", "log"}, and answers each with one
JSON line {"code": exit status, "reusable", "seconds": the script's wall time} on the pipe that
was its stdout. Each run gets:
- its own SparkSession (newSession: its own SQL settings, temporary views and functions; the cache
  is cleared after it), made the session the job's SparkSession.builder returns;
- its own arguments (sys.argv), its script's folder and `--extra-py-files` first on sys.path, and
  its modules imported afresh: only installed libraries stay loaded from the driver's start or an
  earlier run;
- the driver's environment as it was at start, whatever the run changed;
- its stdout and stderr in its own log file (the JVM's own log4j lines go to the driver's log).
A run that exits, raises or fails reports its status; one that kills or wedges the process is
ended by the pool (FAILED, TIMEOUT or STOPPED) and the driver is not reused."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import logging
import os
import runpy
import sys
import tempfile
import time
import traceback

from pyspark.sql import SparkSession

from shared.spark import get_spark

# The project's own packages: the job's copies (from --extra-py-files) must be the ones it imports,
# and a package its bundle does not ship (the application, orchestration) is not importable, as on
# Glue, although the project is installed in the driver's interpreter.
PROJECT_PACKAGES = ("bronze", "silver", "gold", "shared", "lakehouse", "orchestration")


# Libraries of the interpreter (stdlib, site-packages) stay loaded between runs: some (numpy) cannot
# be imported twice in one process, and none holds a job's state.
INSTALLED = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix})


class ShippedOnly(importlib.abc.MetaPathFinder):
    """During a run, the project's packages come from the run's paths (its script's folder and
    --extra-py-files) or not at all: ModuleNotFoundError, where the installed project would answer."""

    def __init__(self, paths: list[str]):
        self.paths = paths

    def find_spec(self, name, path=None, target=None):
        if path is not None or name not in PROJECT_PACKAGES:
            return None  # a submodule (found in its package's folder) or not the project's
        spec = importlib.machinery.PathFinder.find_spec(name, self.paths)
        if spec is None:
            raise ModuleNotFoundError(f"No module named '{name}'", name=name)
        return spec


def forget_project_modules(keep: set[str] | frozenset = frozenset()) -> None:
    """Drop the project's modules, and every module not in `keep` that is not an installed library."""
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] in PROJECT_PACKAGES:
            del sys.modules[name]
        elif keep and name not in keep:
            where = getattr(module, "__file__", None) or ""
            if not where.startswith(INSTALLED):
                del sys.modules[name]


def start_spark():
    """The driver's Spark, built as a job process builds it (shared.spark), then JIT-warmed with a
    small Delta write, MERGE and read on a scratch folder, so the first run is not the slow one."""
    spark = get_spark("glue-driver")
    with tempfile.TemporaryDirectory(prefix="glue-driver-") as scratch:
        path = f"file://{scratch}/warm"
        spark.range(100).selectExpr("id", "cast(id as string) as v").write.format("delta").save(path)
        spark.range(50, 150).selectExpr("id", "'x' as v").createOrReplaceTempView("warm_updates")
        spark.sql(
            f"MERGE INTO delta.`{path}` t USING warm_updates s ON t.id = s.id "
            "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"
        )
        spark.read.format("delta").load(path).groupBy("v").count().collect()
        spark.catalog.dropTempView("warm_updates")
    return spark


def fresh_session(base):
    """A new session on the driver's SparkContext that the job's builder.getOrCreate() returns
    (applying the job's runtime settings to it), with no session active on this thread."""
    session = SparkSession(base.sparkContext, base._jsparkSession.newSession())
    SparkSession._instantiatedSession = session
    SparkSession._activeSession = None
    jvm = base.sparkContext._jvm
    jvm.SparkSession.clearActiveSession()
    jvm.SparkSession.setDefaultSession(session._jsparkSession)
    return session


def exit_code(error: SystemExit) -> int:
    if error.code is None or error.code == 0:
        return 0
    if isinstance(error.code, int):
        return error.code
    print(error.code, file=sys.stderr)
    return 1


def run_one(base, request: dict) -> tuple[int, float]:
    """Run one job script as `__main__`; the process's state is put back afterwards."""
    started = time.perf_counter()
    environ, argv, path, modules = dict(os.environ), list(sys.argv), list(sys.path), set(sys.modules)
    handlers = {
        name: list(lg.handlers)
        for name, lg in logging.Logger.manager.loggerDict.items()
        if isinstance(lg, logging.Logger)
    }
    root_handlers = list(logging.root.handlers)
    session = fresh_session(base)
    run_paths = [os.path.dirname(request["script"]), *request["paths"]]  # as `python script`
    shipped = ShippedOnly(run_paths)
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    saved = os.dup(1), os.dup(2)
    sys.stdout.flush(), sys.stderr.flush()
    os.dup2(log, 1), os.dup2(log, 2)
    try:
        sys.argv = [request["script"], *request["argv"]]
        sys.path[:0] = run_paths
        sys.meta_path.insert(0, shipped)
        forget_project_modules()
        runpy.run_path(request["script"], run_name="__main__")
        code = 0
    except SystemExit as error:
        code = exit_code(error)
    except BaseException:  # noqa: BLE001 (a job's error is its run's outcome, as on Glue)
        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush(), sys.stderr.flush()
        os.dup2(saved[0], 1), os.dup2(saved[1], 2)
        for fd in (*saved, log):
            os.close(fd)
        os.environ.clear()
        os.environ.update(environ)
        sys.argv, sys.path[:] = argv, path
        if shipped in sys.meta_path:
            sys.meta_path.remove(shipped)
        forget_project_modules(keep=modules)
        for name, lg in logging.Logger.manager.loggerDict.items():
            if isinstance(lg, logging.Logger):
                lg.handlers[:] = handlers.get(name, [])
        logging.root.handlers[:] = root_handlers
        session.catalog.clearCache()
    return code, round(time.perf_counter() - started, 3)


def main() -> None:
    control = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # what Spark or a job prints outside a run goes to the driver's log
    base = start_spark()
    forget_project_modules()
    control.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        code, seconds = run_one(base, request)
        reusable = base.sparkContext._jsc is not None  # a job that stopped Spark ends its driver
        control.write(json.dumps({"code": code, "reusable": reusable, "seconds": seconds}) + "\n")
        if not reusable:
            return


if __name__ == "__main__":
    main()
