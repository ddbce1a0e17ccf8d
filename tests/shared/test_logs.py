"""Log lines: JSON objects with the fields the call site adds, or text for people."""

from __future__ import annotations

import json
import logging

import pytest

from shared import logs


@pytest.fixture
def restore_logging():
    root, ours = logging.getLogger(), logging.getLogger(logs.LOGGER)
    handlers, level = root.handlers[:], ours.level
    yield
    root.handlers[:] = handlers
    ours.setLevel(level)


def test_json_lines_carry_the_extra_fields(capsys, restore_logging, monkeypatch):
    monkeypatch.delenv(logs.FORMAT_ENV, raising=False)
    assert logs.configure(logs.JSON) == logs.JSON
    log = logging.getLogger(logs.LOGGER)
    log.info("silver %s: %d accepted", "orders", 7, extra={"run_id": "r1", "layer": "silver", "accepted": 7})
    log.debug("not shown at INFO")
    try:
        raise ValueError("bad")
    except ValueError:
        log.warning("failed", exc_info=True, extra={"run_id": "r1"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert len(lines) == 2
    first = lines[0]
    assert first["message"] == "silver orders: 7 accepted" and first["level"] == "INFO"
    assert (first["run_id"], first["layer"], first["accepted"], first["logger"]) == (
        "r1",
        "silver",
        7,
        "lakehouse",
    )
    assert first["time"].endswith("+00:00")
    assert "ValueError: bad" in lines[1]["error"]


def test_the_environment_chooses_the_format_and_rejects_unknown_ones(capsys, restore_logging, monkeypatch):
    monkeypatch.setenv(logs.FORMAT_ENV, logs.JSON)
    assert logs.configure(logs.TEXT) == logs.JSON
    monkeypatch.setenv(logs.FORMAT_ENV, "xml")
    with pytest.raises(ValueError, match="LAKEHOUSE_LOG_FORMAT='xml'"):
        logs.configure()
    monkeypatch.setenv(logs.FORMAT_ENV, logs.TEXT)
    logs.configure()
    logging.getLogger(logs.LOGGER).info("plain")
    assert capsys.readouterr().err == "INFO lakehouse: plain\n"


def test_configure_twice_keeps_one_handler_of_ours(restore_logging):
    logs.configure()
    logs.configure()
    assert sum(getattr(h, "lakehouse", False) for h in logging.getLogger().handlers) == 1
