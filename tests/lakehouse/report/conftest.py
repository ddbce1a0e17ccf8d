"""One real run with defects (`lakehouse run --json`), whose report the tests of this folder read."""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from lakehouse.cli import main
from lakehouse.generate.drop import generate


@pytest.fixture(scope="session")
def reported(spark, tmp_path_factory):
    base = tmp_path_factory.mktemp("reported")
    raw, warehouse = base / "raw", base / "warehouse"
    manifest = generate(raw, orders=300, days=3, seed=5, defects=0.05)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["run", "--raw", str(raw), "--warehouse", str(warehouse), "--json"])
    summary = json.loads(out.getvalue())
    assert code == 0, summary.get("error")
    return {"summary": summary, "warehouse": warehouse, "manifest": manifest, "base": base}
