"""The page on hand-written facts (no Spark): escaping, empty states, one image per chart."""

from __future__ import annotations

from lakehouse.report.page import render

HOSTILE = "<script>alert(1)</script>"


def facts(**summary_overrides) -> dict:
    stats = {
        "files": 1,
        "files_skipped": 0,
        "rows_read": 1200,
        "accepted": 1100,
        "rejected": 100,
        "duplicates": 0,
        "pending": 0,
        "readmitted": 0,
        "rejected_by_reason": {"BAD_TYPE": 60, "NULL_KEY": 40},
        "warnings": {"EXTRA_COLUMNS": 1},
    }
    summary = {
        "run_id": "20251101T000000Z-abcd1234",
        "status": "SUCCEEDED",
        "datasets": {"orders": stats},
        "files_rejected": [{"dataset": "orders", "file": f"orders/{HOSTILE}.csv", "reason": "NOT_CSV"}],
        "archived": 1,
        "seconds": {"bronze orders": 1.5, "silver orders": 2.0, "gold daily_sales": 0.5},
        "tables": {"silver.orders": 1100},
        **summary_overrides,
    }
    return {
        "summary": summary,
        "quarantine_sample": [
            {
                "dataset": "orders",
                "disposition": "rejected",
                "reasons": "BAD_TYPE",
                "source_file": "orders/a.csv",
                "line": 7,
                "record": f'{{"order_id":"{HOSTILE}"}}',
            }
        ],
        "daily_sales": [
            {"date": "2025-11-01", "orders": 10, "revenue": 120.5, "items": 30},
            {"date": "2025-11-02", "orders": 12, "revenue": 99.0, "items": 25},
        ],
        "freshness": {"silver.orders": "2025-11-02", "gold.daily_sales": None},
    }


def test_every_value_is_escaped_and_numbers_are_grouped():
    page = render(facts())
    assert HOSTILE not in page and "&lt;script&gt;" in page
    assert "<td class='n' data-count='rows_read'>1,200</td>" in page
    assert page.count("<img class='chart' src='data:image/png;base64,") == 3


def test_a_failed_run_shows_its_error_and_empty_states():
    page = render(
        {
            **facts(status="FAILED", error="RuntimeError: boom", datasets={}, files_rejected=[], seconds={}),
            "quarantine_sample": [],
            "daily_sales": [],
            "freshness": {},
        }
    )
    assert "class='status FAILED'" in page and "RuntimeError: boom" in page
    assert "This run quarantined no rows." in page and "No tables yet." in page
    assert page.count("<img class='chart'") == 3  # the charts say they are empty
