"""Where a run's Spark time goes: the jobs of Spark's event log (spark.eventLog.enabled), each named
by the line of the project's code that started it (PySpark's call site, "head at
silver/step.py:176"), else by the job's description (Delta names its own jobs) or its first
stage, and by the pipeline phase it ran in (lakehouse.pipeline.PHASE_PROPERTY). Summed per name and
per phase: a phase's wall seconds less its job seconds is time spent on the driver (Delta's log,
listings, Python). `make bench` prints both for the one-day run.

A job's seconds are its wall time from submission to end; jobs may overlap, so the sums tell
where time goes, not a partition of it."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

JOB_START, JOB_END = "SparkListenerJobStart", "SparkListenerJobEnd"
CALL_SITE = "callSite.short"  # set by PySpark for most actions: "<api> at <file>:<line>"
DESCRIPTION = "spark.job.description"
PHASE = "lakehouse.phase"  # lakehouse.pipeline.PHASE_PROPERTY


def event_lines(folder: Path) -> list[dict]:
    """Every event of the event logs in `folder` (one file per application)."""
    events = []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        with path.open(encoding="utf-8") as log:
            events += [json.loads(line) for line in log if line.strip()]
    return events


def jobs(events: list[dict]) -> list[dict]:
    """One record per finished job: its id, call site and seconds."""
    started = {e["Job ID"]: e for e in events if e.get("Event") == JOB_START}
    found = []
    for end in (e for e in events if e.get("Event") == JOB_END):
        start = started.get(end["Job ID"])
        if start is None:
            continue
        properties = start.get("Properties") or {}
        stages = start.get("Stage Infos") or [{}]
        site = properties.get(CALL_SITE) or properties.get(DESCRIPTION) or stages[0].get("Stage Name")
        seconds = (end["Completion Time"] - start["Submission Time"]) / 1000
        found.append(
            {
                "job": end["Job ID"],
                "site": short_site(site or "(unnamed)"),
                "phase": properties.get(PHASE),
                "seconds": round(seconds, 3),
            }
        )
    return found


def short_site(site: str) -> str:
    """`head at /abs/path/silver/step.py:176` -> `head at silver/step.py:176` (the path from the
    project's top-level package on)."""
    api, sep, where = site.partition(" at ")
    if not sep:
        return site
    parts = where.split("/")
    for n, part in enumerate(parts):
        if part in ("bronze", "silver", "gold", "shared", "lakehouse", "orchestration"):
            return f"{api} at {'/'.join(parts[n:])}"
    return f"{api} at {parts[-1]}"


def by_site(records: list[dict], top: int = 15) -> list[dict]:
    """The call sites with the most job seconds: site, jobs, seconds."""
    sums: dict[str, list] = defaultdict(lambda: [0, 0.0])
    for record in records:
        sums[record["site"]][0] += 1
        sums[record["site"]][1] += record["seconds"]
    ranked = sorted(sums.items(), key=lambda item: -item[1][1])[:top]
    return [{"site": site, "jobs": n, "seconds": round(s, 3)} for site, (n, s) in ranked]


def by_phase(records: list[dict]) -> dict[str, dict]:
    """Jobs and job seconds per pipeline phase ("(outside phases)" for the rest)."""
    sums: dict[str, dict] = {}
    for record in records:
        entry = sums.setdefault(record["phase"] or "(outside phases)", {"jobs": 0, "job_seconds": 0.0})
        entry["jobs"] += 1
        entry["job_seconds"] = round(entry["job_seconds"] + record["seconds"], 3)
    return sums


def summary(folder: Path, top: int = 15) -> dict:
    records = jobs(event_lines(folder))
    return {
        "jobs": len(records),
        "job_seconds": round(sum(r["seconds"] for r in records), 3),
        "sites": by_site(records, top),
        "phases": by_phase(records),
    }


def render(breakdown: dict, phase_seconds: dict[str, float] | None = None) -> str:
    """The costliest sites; with the run's phase seconds, each phase's wall and job seconds."""
    lines = [
        f"  {breakdown['jobs']} Spark jobs, {breakdown['job_seconds']:.1f} s in all; the costliest sites:"
    ]
    lines += [f"  {s['seconds']:7.2f} s {s['jobs']:4d} jobs  {s['site']}" for s in breakdown["sites"]]
    for name, wall in (phase_seconds or {}).items():
        spent = breakdown["phases"].get(name, {"jobs": 0, "job_seconds": 0.0})
        lines.append(
            f"  phase {name}: {wall:.2f} s wall, {spent['jobs']} jobs, {spent['job_seconds']:.2f} s in jobs"
        )
    return "\n".join(lines)
