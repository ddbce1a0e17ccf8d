"""The floors of the house (pyproject's [tool.importlinter] contracts, run by `make lint`): they
hold on the code as it is, and a planted import of a higher floor breaks them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("shared", "bronze", "silver", "gold", "lakehouse", "orchestration")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    # The packages of `root` come first on the path: a copy shadows the installed project.
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True
    )


def copy_of_the_code(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_floors_hold():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    "module, planted, broken",
    [
        ("shared/runs.py", "import lakehouse.pipeline", "Floors"),
        ("shared/delta.py", "import bronze.files", "Floors"),
        ("silver/step.py", "import bronze.ingest", "Floors"),  # the layers are independent
        ("gold/step.py", "import lakehouse.query.engine", "Floors"),
        ("orchestration/deploy.py", "import orchestration.local.server", "local AWS runtime"),
    ],
)
def test_an_import_of_a_higher_floor_breaks_them(tmp_path, module, planted, broken):
    root = copy_of_the_code(tmp_path)
    with open(root / module, "a") as code:
        code.write(f"\n{planted}  # planted\n")
    done = lint_imports(root)
    assert done.returncode == 1, done.stdout
    contracts = " ".join(done.stdout.split("Contracts:")[0].split())  # lines joined: names wrap
    assert "1 broken" in done.stdout and f"{broken}" in contracts.split("BROKEN")[0].rsplit("KEPT", 1)[-1]
    importer = module.removesuffix(".py").replace("/", ".")
    assert f"{importer} -> {planted.split()[1]} (l." in done.stdout  # the report names the import
