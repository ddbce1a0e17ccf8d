"""The local AWS runtime: moto's server, in this process, with the fixes and extensions that let
the project's real template and state machine run unmodified (orchestration.local.*): Step
Functions executing the ASL, Glue job runs as local Spark processes, Athena queries on the local
engine, EventBridge starting executions, CloudFormation creating Glue, Athena and state machine
resources. It listens on 127.0.0.1 only."""

from __future__ import annotations

import json
import logging
import os
import socket
import urllib.request
from pathlib import Path

from moto.server import ThreadedMotoServer

from orchestration.local import athena, cfn_models, glue_runs, iam, moto_fixes
from orchestration.target import DEFAULT_PORT, DEFAULT_REGION, local_environment
from shared.errors import UserError


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def is_listening(endpoint: str) -> bool:
    """Whether something accepts connections at http://host:port."""
    host, _, port = endpoint.removeprefix("http://").partition(":")
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, int(port.rstrip("/")))) == 0


# What start() sets for this process (and its job runs); stop() puts it back.
TOUCHED_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_ENDPOINT_URL",
    "MOTO_PORT",
)


def ensure_free(port: int) -> None:
    """UserError when something already listens on 127.0.0.1:port (the server would wait forever)."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise UserError(
                f"port {port} on 127.0.0.1 is in use ({error.strerror}): "
                "stop what holds it or pick another port"
            ) from None


class LocalAws:
    def __init__(self, port: int | None = DEFAULT_PORT, workdir: str | Path = "var/local-aws"):
        self.port = port or free_port()
        self.workdir = Path(workdir).resolve()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._server: ThreadedMotoServer | None = None

    def start(self) -> LocalAws:
        ensure_free(self.port)
        self._saved_env = {key: os.environ.get(key) for key in TOUCHED_ENV}
        local_environment(self.endpoint)
        self.workdir.mkdir(parents=True, exist_ok=True)
        moto_fixes.install()
        moto_fixes.set_port(self.port)
        cfn_models.install()
        glue_runs.install()
        glue_runs.configure(self.endpoint, self.workdir)
        athena.install()
        athena.configure(self.endpoint, DEFAULT_REGION)
        # moto logs every request and every state failure it handles; the executions' histories
        # and the job runs' logs (<workdir>/glue/...) say the same where it matters.
        for name, level in (("werkzeug", logging.ERROR), ("moto", logging.CRITICAL)):
            logging.getLogger(name).setLevel(level)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        # Step Functions executes the ASL for real (moto's default only records executions).
        request = urllib.request.Request(
            f"{self.endpoint}/moto-api/config",
            data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        urllib.request.urlopen(request, timeout=10).close()
        return self

    def stop(self) -> None:
        glue_runs.stop_all()
        glue_runs.configure(None)
        iam.forget()
        athena.configure(None)
        if self._server is not None:
            self._server.stop()
            self._server = None
        for key, value in getattr(self, "_saved_env", {}).items():  # as it was before start()
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def __enter__(self) -> LocalAws:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
