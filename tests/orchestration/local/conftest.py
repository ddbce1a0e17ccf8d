"""A moto server in this process, with the moto fixes installed and real state-machine execution."""

from __future__ import annotations

import copy
import json
import os
import socket
import urllib.request

import boto3
import pytest

from orchestration.local import moto_fixes

REGION = "us-east-1"
_FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # pragma: allowlist secret (moto's fake credentials)
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}
# Variables that would point boto3 elsewhere than the fake credentials and the local endpoint.
_CLEARED_ENV = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _post(url: str, body: dict) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


@pytest.fixture(scope="module")
def moto_endpoint():
    """The URL of a moto server (127.0.0.1, a free port) that executes state machines for real.

    Credentials, region and MOTO_PORT are set for the module and restored afterwards, as is moto's
    in-process Step Functions config; the server's state is reset when the module ends.
    """
    from moto.core.config import default_user_config
    from moto.server import ThreadedMotoServer

    moto_fixes.install()
    saved_env = {key: os.environ.get(key) for key in (*_FAKE_ENV, *_CLEARED_ENV, "MOTO_PORT")}
    saved_sfn_config = copy.deepcopy(default_user_config.get("stepfunctions"))
    for key in _CLEARED_ENV:
        os.environ.pop(key, None)
    os.environ.update(_FAKE_ENV)

    port = _free_port()
    moto_fixes.set_port(port)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _post(f"{endpoint}/moto-api/config", {"stepfunctions": {"execute_state_machine": True}})
        yield endpoint
    finally:
        try:
            _post(f"{endpoint}/moto-api/reset", {})
        finally:
            server.stop()
            default_user_config["stepfunctions"] = saved_sfn_config
            moto_fixes.set_port(None)
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@pytest.fixture(scope="module")
def client(moto_endpoint):
    """`client("s3")`: a boto3 client of that service against the module's moto server."""

    def make(service: str):
        return boto3.client(service, endpoint_url=moto_endpoint, region_name=REGION)

    return make
