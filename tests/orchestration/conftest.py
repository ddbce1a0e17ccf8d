"""The local AWS runtime for the tests of this folder: one per test module."""

from __future__ import annotations

import pytest

from orchestration.local.server import LocalAws


@pytest.fixture(scope="module")
def aws(tmp_path_factory):
    with LocalAws(port=None, workdir=tmp_path_factory.mktemp("local-aws")) as runtime:
        yield runtime
