"""The event-log breakdown: jobs paired start to end, named by the project line that started them,
summed per line."""

from __future__ import annotations

import json

from lakehouse.bench.breakdown import by_site, jobs, render, short_site, summary


def event(kind: str, job: int, at: int, site: str | None = None, phase: str | None = None) -> dict:
    if kind == "start":
        properties = {"callSite.short": site} if site else {}
        properties.update({"lakehouse.phase": phase} if phase else {})
        return {
            "Event": "SparkListenerJobStart",
            "Job ID": job,
            "Submission Time": at,
            "Properties": properties,
        }
    return {"Event": "SparkListenerJobEnd", "Job ID": job, "Completion Time": at, "Job Result": {}}


EVENTS = [
    {"Event": "SparkListenerApplicationStart", "App Name": "x"},
    event("start", 0, 1_000, "head at /work/x/silver/step.py:176", phase="silver orders"),
    event("start", 1, 1_100, "collect at /work/x/bronze/ingest.py:60", phase="bronze orders"),
    event("end", 0, 1_600),
    event("end", 1, 3_100),
    event("start", 2, 4_000, "head at /work/x/silver/step.py:176", phase="silver orders"),
    event("end", 2, 4_250),
    {  # no call site: a job Delta starts itself, named by its description
        "Event": "SparkListenerJobStart",
        "Job ID": 3,
        "Submission Time": 5_000,
        "Properties": {"spark.job.description": "Delta: Compute snapshot for version: 4"},
        "Stage Infos": [{"Stage Name": "toString at String.java:2994"}],
    },
    event("end", 3, 5_100),
    event("start", 4, 6_000, "count at /work/x/gold/step.py:9"),  # never ended: not counted
]


def test_jobs_are_paired_and_named_by_the_project_line():
    assert jobs(EVENTS) == [
        {"job": 0, "site": "head at silver/step.py:176", "phase": "silver orders", "seconds": 0.6},
        {"job": 1, "site": "collect at bronze/ingest.py:60", "phase": "bronze orders", "seconds": 2.0},
        {"job": 2, "site": "head at silver/step.py:176", "phase": "silver orders", "seconds": 0.25},
        {"job": 3, "site": "Delta: Compute snapshot for version: 4", "phase": None, "seconds": 0.1},
    ]


def test_sites_are_summed_and_ranked():
    assert by_site(jobs(EVENTS), top=2) == [
        {"site": "collect at bronze/ingest.py:60", "jobs": 1, "seconds": 2.0},
        {"site": "head at silver/step.py:176", "jobs": 2, "seconds": 0.85},
    ]


def test_a_site_outside_the_project_keeps_its_file_name():
    assert short_site("load at /usr/lib/python3/site-packages/delta/tables.py:40") == "load at tables.py:40"
    assert short_site("(unnamed)") == "(unnamed)"


def test_the_summary_reads_every_log_of_a_folder(tmp_path):
    (tmp_path / "app-1").write_text("\n".join(json.dumps(e) for e in EVENTS[:5]) + "\n")
    (tmp_path / "app-2").write_text("\n".join(json.dumps(e) for e in EVENTS[5:]) + "\n")
    found = summary(tmp_path)
    assert (found["jobs"], found["job_seconds"]) == (4, 2.95)
    assert found["phases"] == {
        "silver orders": {"jobs": 2, "job_seconds": 0.85},
        "bronze orders": {"jobs": 1, "job_seconds": 2.0},
        "(outside phases)": {"jobs": 1, "job_seconds": 0.1},
    }
    text = render(found, {"bronze orders": 2.5, "gold daily_sales": 0.5})
    assert "2 jobs  head at silver/step.py:176" in text
    assert "phase bronze orders: 2.50 s wall, 1 jobs, 2.00 s in jobs" in text
    assert "phase gold daily_sales: 0.50 s wall, 0 jobs, 0.00 s in jobs" in text
