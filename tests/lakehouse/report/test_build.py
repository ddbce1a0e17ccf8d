"""The report of a real run with defects: its JSON is the run's, its page shows the same numbers."""

from __future__ import annotations

import contextlib
import io
import json
from html.parser import HTMLParser
from pathlib import Path

from lakehouse.cli import main
from lakehouse.report.facts import SAMPLE_ROWS


class Cells(HTMLParser):
    """Text of the cells carrying data-count (per dataset row) and of the rejects table's rows."""

    def __init__(self):
        super().__init__()
        self.counts, self.rejects, self.images = {}, {}, 0
        self._row, self._cell, self._text = {}, None, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self._row = attrs
        elif tag == "td":
            self._cell, self._text = attrs, []
        elif tag == "img" and "chart" in attrs.get("class", ""):
            self.images += 1

    def handle_data(self, data):
        self._text.append(data)

    def handle_endtag(self, tag):
        if tag != "td" or self._cell is None:
            return
        text = "".join(self._text)
        if "data-count" in self._cell:
            self.counts.setdefault(self._row["data-dataset"], {})[self._cell["data-count"]] = text
        elif "data-reason" in self._row and self._cell.get("class") == "n":
            self.rejects.setdefault(self._row["data-dataset"], {})[self._row["data-reason"]] = text
        self._cell = None


def number(text: str) -> int:
    return int(text.replace(",", ""))


def test_the_report_json_holds_the_runs_summary(reported):
    summary = reported["summary"]
    path = Path(summary["report"])
    assert path.parent.name == "_reports" and path.name == f"{summary['run_id']}.html"
    gathered = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert gathered["summary"] == summary


def test_the_page_shows_the_numbers_of_the_json(reported):
    summary = reported["summary"]
    cells = Cells()
    cells.feed(Path(summary["report"]).read_text(encoding="utf-8"))
    assert cells.images == 3
    shown = {d: {c: number(v) for c, v in counts.items()} for d, counts in cells.counts.items()}
    assert shown == {d: {c: stats[c] for c in shown[d]} for d, stats in summary["datasets"].items()}
    assert set(shown) == set(summary["datasets"]) and all(len(c) == 8 for c in shown.values())
    rejects = {d: {r: number(v) for r, v in reasons.items()} for d, reasons in cells.rejects.items()}
    expected = {d: s["rejected_by_reason"] for d, s in summary["datasets"].items() if s["rejected_by_reason"]}
    assert rejects == expected and expected  # the drop has defects


def test_the_facts_agree_with_the_tables(reported):
    summary = reported["summary"]
    gathered = json.loads(Path(summary["report"]).with_suffix(".json").read_text(encoding="utf-8"))
    series = gathered["daily_sales"]
    assert sum(day["orders"] for day in series) == summary["tables"]["silver.orders"]
    assert gathered["freshness"]["gold.daily_sales"] == series[-1]["date"]
    assert gathered["freshness"]["silver.orders"] == series[-1]["date"]
    sample = gathered["quarantine_sample"]
    assert 0 < len(sample) <= SAMPLE_ROWS
    files = {
        str(p.relative_to(reported["base"] / "archived"))
        for p in (reported["base"] / "archived").rglob("*.csv")
    }
    for row in sample:
        assert row["source_file"] in files and row["line"] >= 1 and row["reasons"] is not None
    rejected = [row for row in sample if row["disposition"] == "rejected"]
    assert rejected and all(row["reasons"] for row in rejected)


def report_command(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["report", *args])
    return code, out.getvalue().strip(), err.getvalue().strip()


def test_lakehouse_report_prints_the_latest_or_the_named_report(reported):
    warehouse, summary = str(reported["warehouse"]), reported["summary"]
    assert report_command("--warehouse", warehouse) == (0, summary["report"], "")
    assert report_command(summary["run_id"], "--warehouse", warehouse) == (0, summary["report"], "")
    code, out, err = report_command("20000101T000000Z-nope", "--warehouse", warehouse)
    assert (code, out) == (2, "")
    assert err.startswith("lakehouse report: no report for run 20000101T000000Z-nope in ")
    assert len(err.splitlines()) == 1
