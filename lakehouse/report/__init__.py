"""The run report: one self-contained HTML page (and its JSON) per run, for operators and analysts.

`<warehouse>/_reports/<run_id>.html` and `.json`: per dataset the files and rows read, accepted,
rejected, duplicate, pending and readmitted; rejected rows by reason; warnings; a sample of the
rows the run quarantined with their reasons, source file and line; gold daily sales over time;
the latest date each table holds; seconds per layer. facts.py gathers it (small aggregates and a
bounded sample reach the driver, never table data), charts.py draws it (matplotlib), page.py lays
it out, build.py writes it for a local run and for an orchestrated one."""

from __future__ import annotations

REPORTS_DIR = "_reports"
