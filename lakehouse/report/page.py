"""The report page: the gathered facts (facts.gather) as one self-contained HTML document.

Every value is escaped; the per-dataset counts carry `data-dataset` / `data-count` attributes so a
script (or a test) reads the same numbers a person sees."""

from __future__ import annotations

from html import escape

from lakehouse.report import charts
from shared.contract import RUN_COUNTS

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 62rem; color: #222; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.status { padding: .1rem .5rem; border-radius: .3rem; color: #fff; }
.SUCCEEDED { background: #2e7d32; } .FAILED { background: #c62828; }
table { border-collapse: collapse; margin: .5rem 0; } td, th { padding: .25rem .6rem; }
th { text-align: left; border-bottom: 2px solid #ccc; } td { border-bottom: 1px solid #eee; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.error { color: #c62828; font-weight: 600; } .muted { color: #777; }
figure { margin: 1rem 0; } figure img { max-width: 100%; }
code { font-size: 12px; word-break: break-all; }
"""


def _table(
    headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset(), attrs: str = ""
) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(
            f"<td class='n'>{cell}</td>" if i in numeric else f"<td>{cell}</td>" for i, cell in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table{attrs}><tr>{head}</tr>{''.join(body)}</table>"


def _datasets(summary: dict) -> str:
    head = "".join(f"<th>{escape(c.replace('_', ' '))}</th>" for c in RUN_COUNTS)
    rows = []
    for dataset, stats in summary["datasets"].items():
        cells = "".join(f"<td class='n' data-count='{c}'>{stats.get(c, 0):,}</td>" for c in RUN_COUNTS)
        rows.append(f"<tr data-dataset='{escape(dataset)}'><td>{escape(dataset)}</td>{cells}</tr>")
    if not rows:
        return "<p class='muted'>The run stopped before any dataset was summed up.</p>"
    return f"<table id='datasets'><tr><th>dataset</th>{head}</tr>{''.join(rows)}</table>"


def _rejects(summary: dict) -> str:
    rows = [
        f"<tr data-dataset='{escape(dataset)}' data-reason='{escape(reason)}'><td>{escape(dataset)}</td>"
        f"<td>{escape(reason)}</td><td class='n'>{count:,}</td></tr>"
        for dataset, stats in summary["datasets"].items()
        for reason, count in sorted(stats.get("rejected_by_reason", {}).items())
    ]
    if not rows:
        return ""
    return f"<table id='rejects'><tr><th>dataset</th><th>reason</th><th>rows</th></tr>{''.join(rows)}</table>"


def _warnings(summary: dict) -> str:
    rows = [
        [escape(dataset), escape(kind), f"{count:,}"]
        for dataset, stats in summary["datasets"].items()
        for kind, count in sorted(stats.get("warnings", {}).items())
    ]
    return _table(["dataset", "warning", "rows"], rows, {2}) if rows else "<p class='muted'>No warnings.</p>"


def _files(summary: dict) -> str:
    rows = [
        [escape(r.get("dataset") or "-"), f"<code>{escape(r['file'])}</code>", escape(r["reason"])]
        for r in summary.get("files_rejected", [])
    ]
    archived = f"<p>Files archived: {summary.get('archived', 0):,}</p>"
    rejected = (
        _table(["dataset", "file", "reason"], rows) if rows else "<p class='muted'>No file rejected.</p>"
    )
    return archived + rejected


def _sample(rows: list[dict]) -> str:
    if not rows:
        return "<p class='muted'>This run quarantined no rows.</p>"
    body = [
        [
            escape(r["dataset"]),
            escape(r["disposition"]),
            escape(r["reasons"]),
            f"<code>{escape(r['source_file'])}</code>",
            f"{r['line']:,}",
            f"<code>{escape(r['record'] or '')}</code>",
        ]
        for r in rows
    ]
    return _table(["dataset", "outcome", "reasons", "source file", "line", "record"], body, {4})


def _freshness(facts: dict) -> str:
    counts = facts["summary"].get("tables", {})
    rows = [
        [escape(table), escape(latest or "empty"), f"{counts[table]:,}" if table in counts else "-"]
        for table, latest in facts["freshness"].items()
    ]
    return (
        _table(["table", "latest date or last change", "rows"], rows, {2})
        if rows
        else "<p class='muted'>No tables yet.</p>"
    )


def _figure(uri: str, alt: str) -> str:
    return f"<figure><img class='chart' src='{uri}' alt='{escape(alt)}'></figure>"


def render(facts: dict) -> str:
    summary = facts["summary"]
    status = escape(summary["status"])
    error = f"<p class='error'>{escape(summary['error'])}</p>" if summary.get("error") else ""
    total = sum(summary.get("seconds", {}).values())
    badge = f"<span class='status {status}'>{status}</span>"
    sections = [
        f"<h1>Run <code>{escape(summary['run_id'])}</code> {badge}</h1>",
        f"<p class='muted'>{total:,.1f} s in {len(summary.get('seconds', {}))} phases</p>{error}",
        "<h2>Rows per dataset</h2>",
        _datasets(summary),
        "<h2>Gold daily sales</h2>",
        _figure(charts.daily_sales(facts["daily_sales"]), "gold daily sales over time"),
        "<h2>Rejected rows by reason</h2>",
        _figure(charts.rejects_by_reason(summary["datasets"]), "rejected rows by reason"),
        _rejects(summary),
        "<h2>Time per layer</h2>",
        _figure(charts.seconds_by_phase(summary.get("seconds", {})), "seconds per layer"),
        "<h2>Warnings</h2>",
        _warnings(summary),
        "<h2>Files</h2>",
        _files(summary),
        "<h2>Freshness</h2>",
        _freshness(facts),
        f"<h2>Quarantined rows (a sample of {len(facts['quarantine_sample']) or 'no'} rows)</h2>",
        _sample(facts["quarantine_sample"]),
    ]
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Lakehouse run {escape(summary['run_id'])}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(sections)}</body></html>\n"
    )
