"""Job arguments the way AWS Glue passes them (`--name value`), read with Glue's own
getResolvedOptions where awsglue exists and with argparse everywhere else."""

from __future__ import annotations

import argparse
import sys


def resolve(
    required: list[str], optional: dict[str, str] | None = None, argv: list[str] | None = None
) -> dict:
    """{name: value} for `required` names and `optional` names (with their defaults)."""
    argv = sys.argv[1:] if argv is None else argv
    optional = optional or {}
    try:
        from awsglue.utils import getResolvedOptions  # type: ignore[import-not-found]
    except ImportError:
        parser = argparse.ArgumentParser()
        for name in required:
            parser.add_argument(f"--{name}", dest=name, required=True)
        for name, default in optional.items():
            parser.add_argument(f"--{name}", dest=name, default=default)
        known, _ = parser.parse_known_args(argv)  # Glue adds arguments of its own
        return vars(known)
    present = [n for n in optional if f"--{n}" in argv]
    return {**optional, **getResolvedOptions(["job", *argv], required + present)}
