"""The report's charts, drawn with matplotlib and embedded as PNG data URIs (the page stays one
self-contained file that opens anywhere, mail attachments and S3 downloads included)."""

from __future__ import annotations

import base64
import datetime as dt
import io

import matplotlib

matplotlib.use("Agg")  # no display: render to memory
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

WIDTH, HEIGHT, DPI = 7.2, 3.0, 110
LAYER_COLORS = {"bronze": "#b07d48", "silver": "#8a9597", "gold": "#d4a017"}
DATASET_COLORS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52")


def _data_uri(fig) -> str:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=DPI)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _empty(axes, text: str) -> None:
    axes.text(0.5, 0.5, text, ha="center", va="center", fontsize=11, color="#666666")
    axes.set_axis_off()


def rejects_by_reason(datasets: dict[str, dict]) -> str:
    """Rejected rows by reason, one stacked bar segment per dataset."""
    reasons = sorted({r for stats in datasets.values() for r in stats.get("rejected_by_reason", {})})
    fig, axes = plt.subplots(figsize=(WIDTH, max(HEIGHT, 0.35 * len(reasons) + 1.2)))
    if not reasons:
        _empty(axes, "no rejected rows in this run")
        return _data_uri(fig)
    left = [0] * len(reasons)
    for color, (dataset, stats) in zip(DATASET_COLORS, datasets.items(), strict=False):
        counts = [stats.get("rejected_by_reason", {}).get(r, 0) for r in reasons]
        if any(counts):
            axes.barh(reasons, counts, left=left, color=color, label=dataset)
            left = [a + b for a, b in zip(left, counts, strict=True)]
    for y, total in enumerate(left):
        axes.annotate(f"{total:,}", (total, y), xytext=(3, 0), textcoords="offset points", va="center")
    axes.invert_yaxis()
    axes.set_xlabel("rows")
    axes.legend(fontsize=8, loc="lower right")
    axes.set_title("Rejected rows by reason")
    return _data_uri(fig)


def daily_sales(series: list[dict]) -> str:
    """Gold daily sales over time: revenue (line) and orders (bars)."""
    fig, revenue = plt.subplots(figsize=(WIDTH, HEIGHT))
    if not series:
        _empty(revenue, "gold.daily_sales is empty")
        return _data_uri(fig)
    days = [dt.date.fromisoformat(row["date"]) for row in series]
    orders = revenue.twinx()
    orders.bar(days, [row["orders"] for row in series], color="#a1c9f4", width=0.8, label="orders")
    orders.set_ylabel("orders")
    revenue.plot(days, [row["revenue"] for row in series], color="#4c72b0", marker="o", markersize=3)
    revenue.set_ylabel("revenue")
    revenue.set_zorder(orders.get_zorder() + 1)
    revenue.patch.set_visible(False)
    revenue.set_title("Gold daily sales: revenue (line) and orders (bars)")
    if len(days) <= 14:  # a tick per day, no hours
        revenue.set_xticks(days, [d.strftime("%m-%d") for d in days])
    else:
        locator = mdates.AutoDateLocator()
        revenue.xaxis.set_major_locator(locator)
        revenue.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    return _data_uri(fig)


def seconds_by_phase(seconds: dict[str, float]) -> str:
    """Wall-clock seconds of each phase of the run, colored by layer."""
    fig, axes = plt.subplots(figsize=(WIDTH, max(2.2, 0.32 * len(seconds) + 1.0)))
    if not seconds:
        _empty(axes, "no phase timings recorded")
        return _data_uri(fig)
    names = list(seconds)
    colors = [LAYER_COLORS.get(name.split()[0], "#cccccc") for name in names]
    axes.barh(names, [seconds[n] for n in names], color=colors)
    for y, name in enumerate(names):
        axes.annotate(
            f"{seconds[name]:.1f} s",
            (seconds[name], y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
        )
    axes.invert_yaxis()
    axes.set_xlabel("seconds")
    axes.set_title("Time per layer")
    return _data_uri(fig)
