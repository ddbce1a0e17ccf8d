"""The installed Python packages are exactly the lock (requirements-lock.txt): no package at another
version, none missing, none that the lock does not name. A fresh install once took the newest
botocore, whose Athena protocol the pinned moto could not serve; this is the test that says so."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements-lock.txt"
# Not in the lock: the project itself (installed from the checkout) and pip (PIP_VERSION, Makefile).
UNLOCKED = {"ecommerce-lakehouse", "pip"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(text: str) -> dict[str, str]:
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"lock line {line!r} is not name==version"
            pins[canonical(name)] = version.strip()
    return pins


def installed() -> dict[str, str]:
    found = {canonical(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()}
    return {name: version for name, version in found.items() if name not in UNLOCKED}


def differences(locked: dict[str, str], present: dict[str, str]) -> list[str]:
    found = [f"{n}: locked {v}, installed {present[n]}" for n, v in locked.items() if present.get(n, v) != v]
    found += [f"{n}=={v} is locked but not installed" for n, v in locked.items() if n not in present]
    found += [f"{n}=={v} is installed but not locked" for n, v in present.items() if n not in locked]
    return sorted(found)


def test_installed_packages_are_the_lock():
    assert differences(read_lock(LOCK.read_text()), installed()) == []


def test_a_drifted_install_is_named():
    locked = {"boto3": "1.44.13", "botocore": "1.44.13", "moto": "5.2.5"}
    present = {"boto3": "1.44.18", "botocore": "1.44.13", "flask": "3.1.3"}
    assert differences(locked, present) == [
        "boto3: locked 1.44.13, installed 1.44.18",
        "flask==3.1.3 is installed but not locked",
        "moto==5.2.5 is locked but not installed",
    ]


def test_lock_pins_every_direct_dependency():
    """pyproject's dependencies (all extras) each have a pin, so `pip check` has something to prove."""
    text = (ROOT / "pyproject.toml").read_text()
    names = set(re.findall(r'^\s*"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*[=<>!~]', text, flags=re.MULTILINE))
    locked = read_lock(LOCK.read_text())
    assert {canonical(n) for n in names} - {"ecommerce-lakehouse", "setuptools"} <= set(locked)
