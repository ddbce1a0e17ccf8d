"""Which deployment a command talks to: `--env ENV` on AWS (the default credential chain), or
`--local`: the environment `local` on the local AWS runtime (`lakehouse local up`)."""

from __future__ import annotations

import argparse
import os
import re
from dataclasses import dataclass
from functools import cached_property

import boto3

LOCAL_ENV = "local"
ENDPOINT_ENV = "LAKEHOUSE_ENDPOINT"
DEFAULT_PORT = 5055
DEFAULT_REGION = "us-east-1"
# The template's Environment AllowedPattern: the name prefixes stacks, buckets and databases.
ENV_PATTERN = "^[a-z][a-z0-9]{1,15}$"
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def local_environment(endpoint: str | None = None, region: str = DEFAULT_REGION) -> None:
    """Credentials and region for talking to the local runtime (never real ones: they are not
    needed, and a local run must not reach AWS by mistake)."""
    os.environ.update(LOCAL_CREDENTIALS)
    os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = region
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.pop("AWS_PROFILE", None)
    if endpoint:
        os.environ["AWS_ENDPOINT_URL"] = endpoint


def local_endpoint() -> str:
    return os.environ.get(ENDPOINT_ENV, f"http://127.0.0.1:{DEFAULT_PORT}")


def environment(name: str) -> str:
    """An environment name as the template allows it (argparse type)."""
    if not re.fullmatch(ENV_PATTERN, name):
        raise argparse.ArgumentTypeError(f"{name!r}: 2-16 lowercase letters and digits, a letter first")
    return name


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--local", action="store_true", help="the local AWS runtime (lakehouse local up)")
    where.add_argument("--env", type=environment, help="the AWS environment (stack lakehouse-<env>)")
    parser.add_argument(
        "--endpoint", help=f"the local runtime's URL (default ${ENDPOINT_ENV} or port {DEFAULT_PORT})"
    )


@dataclass
class Target:
    env: str
    endpoint: str | None = None  # None: AWS itself

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Target:
        if args.env:
            return cls(args.env)
        endpoint = args.endpoint or local_endpoint()
        local_environment(endpoint)
        return cls(LOCAL_ENV, endpoint)

    def client(self, service: str):
        return boto3.session.Session().client(service, endpoint_url=self.endpoint)

    @cached_property
    def outputs(self) -> dict[str, str]:
        return outputs(self.client("cloudformation"), stack_name(self.env))


def stack_name(env: str) -> str:
    return f"lakehouse-{env}"


def outputs(cfn, name: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
