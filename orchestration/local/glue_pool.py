"""Warm Glue drivers for the local AWS runtime's job runs (orchestration.local.glue_driver).

A job run takes an idle driver started with the same Spark settings (the job definition's
`--conf`), or starts one; when the run ends the driver goes back to the pool, unless the run
killed it, ran out of time, was stopped or stopped Spark, or the pool holds enough idle drivers
(MAX_IDLE, MAX_IDLE_TOTAL). A driver is started when a job is created, unless one with its settings
is idle, so the first run finds one ready. Drivers are process groups of their own: ending one ends
its JVM too, and removes its scratch folder (Spark's local dirs and temporary files: a driver of the
runtime's jobs holds a copy of their jars there, about 280 MB, which a killed JVM cannot delete)."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from shared.spark import scratch_env

# Idle drivers kept (each holds a JVM: 1 to 1.5 GB resident once warm): at most MAX_IDLE per set of
# settings and MAX_IDLE_TOTAL in all, the least recently released going first. Settings include the
# job's role, so each deployment's jobs get drivers of their own; without the total bound, a runtime
# serving several deployments kept two idle JVMs for each (a clean-clone `make test` was OOM-killed).
# And the runs one driver serves before it is replaced (a bound on what a long-lived JVM accumulates).
MAX_IDLE = 3  # a layer's Map runs MapConcurrency (3) jobs at once
MAX_IDLE_TOTAL = 3
MAX_RUNS = 50


class DriverDied(Exception):
    """The driver process ended or stopped answering."""


class Driver:
    def __init__(self, env: dict, log_path: Path):
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        self.scratch = log_path.with_suffix(".scratch")
        self.scratch.mkdir()
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "orchestration.local.glue_driver"],
                env={**env, **scratch_env(self.scratch)},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
            )
        self.runs = 0
        self.ready = threading.Event()
        threading.Thread(target=self._await_ready, daemon=True).start()

    def _await_ready(self) -> None:
        try:
            self._answer(None)
        except DriverDied:
            pass
        self.ready.set()

    def _answer(self, deadline: float | None) -> dict:
        """The driver's next answer line; TimeoutError past the deadline, DriverDied when it exits."""
        out = self.process.stdout
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            readable, _, _ = select.select([out], [], [], wait)
            if not readable:
                raise TimeoutError
            line = out.readline()
            if not line:
                raise DriverDied(f"the driver exited with status {self.process.wait()}")
            return json.loads(line)

    def alive(self) -> bool:
        return self.process.poll() is None

    def run(self, request: dict, deadline: float | None) -> dict:
        """Send one run, wait for its answer. TimeoutError past the deadline (the caller kills)."""
        self.ready.wait()
        if not self.alive():
            raise DriverDied(f"the driver exited with status {self.process.poll()} before the run")
        self.runs += 1
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        self.process.stdin.flush()
        return self._answer(deadline)

    def kill(self) -> None:
        if self.alive():
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()
        for _ in range(10):  # the JVM, killed with its group, may still be closing files
            shutil.rmtree(self.scratch, ignore_errors=True)
            if not self.scratch.exists():
                return
            time.sleep(0.2)


class Pool:
    """Drivers by their settings (a JSON key), shared by the job runs of one runtime."""

    def __init__(self) -> None:
        self._idle: list[tuple[str, Driver]] = []  # least recently released first
        self._all: set[Driver] = set()
        self._lock = threading.Lock()
        self._count = 0

    def _start(self, env: dict, logs: Path) -> Driver:
        with self._lock:
            self._count += 1
            driver = Driver(env, logs / f"driver-{self._count}.log")
            self._all.add(driver)
        return driver

    def idle(self, key: str | None = None) -> list[Driver]:
        with self._lock:
            return [driver for held, driver in self._idle if key is None or held == key]

    def prewarm(self, key: str, env: dict, logs: Path) -> None:
        """A driver for these settings, idle and ready, unless one is idle already."""
        if self.idle(key):
            return
        driver = self._start(env, logs)
        self.release(key, driver)

    def acquire(self, key: str, env: dict, logs: Path) -> Driver:
        with self._lock:
            for at in range(len(self._idle) - 1, -1, -1):  # the most recently released first
                held, driver = self._idle[at]
                if held != key:
                    continue
                del self._idle[at]
                if driver.alive():
                    return driver
                self._all.discard(driver)
        return self._start(env, logs)

    def release(self, key: str, driver: Driver, reusable: bool = True) -> None:
        retired = []
        with self._lock:
            same = sum(1 for held, _ in self._idle if held == key)
            if reusable and driver.alive() and driver.runs < MAX_RUNS and same < MAX_IDLE:
                self._idle.append((key, driver))
            else:
                retired.append(driver)
            while len(self._idle) > MAX_IDLE_TOTAL:
                retired.append(self._idle.pop(0)[1])
            self._all.difference_update(retired)
        for gone in retired:
            gone.kill()

    def discard(self, driver: Driver) -> None:
        with self._lock:
            self._all.discard(driver)
            self._idle = [(held, idle) for held, idle in self._idle if idle is not driver]
        driver.kill()

    def shutdown(self) -> None:
        with self._lock:
            drivers, self._all, self._idle = list(self._all), set(), []
        for driver in drivers:
            driver.kill()
