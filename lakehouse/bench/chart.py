"""The benchmark's PNG: full loads against the floor, and the daily run as the tables grow."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: render to a file
import matplotlib.pyplot as plt  # noqa: E402

PHASE_COLORS = {"bronze": "#b07d48", "silver": "#8a9597", "gold": "#d4a017", "other": "#cccccc"}


def _layer(phase: str) -> str:
    head = phase.split()[0]
    return head if head in PHASE_COLORS else "other"


def draw(report: dict, out: Path) -> None:
    fig, (loads, growth, daily) = plt.subplots(1, 3, figsize=(15, 4.6))
    # 1. Seconds per layer of each full load, beside its floor.
    labels = []
    for i, load in enumerate(report["loads"]):
        labels.append(f"{load['orders']:,} orders")
        loads.bar(i - 0.3, load["floor"]["seconds"], 0.28, color="#4c72b0", label="floor" if i == 0 else None)
        if "bare" in load:
            loads.bar(
                i, load["bare"]["seconds"], 0.28, color="#a1c9f4", label="bare medallion" if i == 0 else None
            )
            loads.annotate(
                f"{load['bare_ratio']:.1f}x", (i, load["bare"]["seconds"]), ha="center", va="bottom"
            )
        bottom = 0.0
        by_layer: dict[str, float] = {}
        for phase, seconds in load["pipeline"]["seconds_by_phase"].items():
            by_layer[_layer(phase)] = by_layer.get(_layer(phase), 0.0) + seconds
        for layer, seconds in by_layer.items():
            loads.bar(
                i + 0.3,
                seconds,
                0.28,
                bottom=bottom,
                color=PHASE_COLORS[layer],
                label=layer if i == 0 else None,
            )
            bottom += seconds
        loads.annotate(f"{load['ratio']:.1f}x", (i + 0.3, bottom), ha="center", va="bottom")
    loads.set_xticks(range(len(labels)), labels)
    loads.set_ylabel("seconds")
    loads.set_title("Full load: floor, bare medallion, pipeline (by layer)")
    loads.legend(fontsize=8)
    # 2. One-day runs into a short and a long history.
    inc = report["incremental"]
    for k, (history, runs) in enumerate(inc["runs"].items()):
        seconds = [run["seconds"] for run in runs]
        growth.scatter([k] * len(seconds), seconds, color="#4c72b0", zorder=3)
        growth.bar(k, inc["mean_seconds"][history], 0.5, color="#a1c9f4")
    growth.set_xticks(range(len(inc["runs"])), [f"{h} days" for h in inc["runs"]])
    growth.set_ylabel("seconds")
    growth.set_title(f"One-day run by history held (ratio {inc['ratio']:.2f})")
    # 3. Each daily run's time, and the most files any partition holds at the end.
    if inc.get("daily"):
        runs = inc["daily"]["seconds_per_run"]
        daily.plot(range(1, len(runs) + 1), runs, marker="o", color="#55a868")
        daily.set_ylim(bottom=0)
        most = max(t["max_files_per_partition"] for t in inc["daily"]["partitions"].values())
        daily.set_title(f"{len(runs)} daily runs (at most {most} files per partition after)")
        daily.set_xlabel("run")
        daily.set_ylabel("seconds")
    fig.suptitle(f"{report['machine']['cores']} cores; {report['machine']['platform']}", fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
