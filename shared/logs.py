"""Log lines for people and for machines: `lakehouse` prints text to stderr by default; the Glue
jobs (and `LAKEHOUSE_LOG_FORMAT=json`) print one JSON object per line, which CloudWatch Logs
Insights and `jq` read as fields: time, level, logger, message, plus what the call site adds
(run_id, layer, dataset, counts, seconds) through `extra=`."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys

FORMAT_ENV, LEVEL_ENV = "LAKEHOUSE_LOG_FORMAT", "LAKEHOUSE_LOG_LEVEL"
TEXT, JSON = "text", "json"
LOGGER = "lakehouse"
# The attributes every LogRecord has: anything else on a record came from `extra=`.
STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in STANDARD})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure(default_format: str = TEXT, level: str | None = None) -> str:
    """Route log lines to stderr in the chosen format (the environment's, else `default_format`);
    the `lakehouse` logger at `level` (else the environment's, else INFO). Returns the format."""
    chosen = os.environ.get(FORMAT_ENV, default_format)
    if chosen not in (TEXT, JSON):
        raise ValueError(f"{FORMAT_ENV}={chosen!r}: one of {TEXT}, {JSON}")
    handler = logging.StreamHandler(sys.stderr)
    if chosen == JSON:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.lakehouse = True  # replaced by the next configure(); handlers of others are kept
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not getattr(h, "lakehouse", False)] + [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger(LOGGER).setLevel(level or os.environ.get(LEVEL_ENV, "INFO"))
    return chosen
