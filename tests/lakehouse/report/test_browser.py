"""The report in a real browser: headless Chromium (Debian's chromium package, `make
setup-browser`) loads the page of a real run, decodes every chart and paints them.

Without Chromium the test is skipped, unless LAKEHOUSE_REQUIRE_BROWSER=1 (CI sets it) makes that
a failure."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from matplotlib import image

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
ORDERS_BARS = (0xA1, 0xC9, 0xF4)  # the daily sales chart's bar color (lakehouse.report.charts)
# Appended to a copy of the page: after load, what the browser made of each chart image.
PROBE = """<script>
window.addEventListener("load", () => {
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify([...document.querySelectorAll("img.chart")].map(img => ({
    complete: img.complete, width: img.naturalWidth, shown: img.getBoundingClientRect().width})));
  document.body.appendChild(out);
});
</script>"""


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    found = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    if found is None:
        if os.environ.get("LAKEHOUSE_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (LAKEHOUSE_REQUIRE_BROWSER=1): run `make setup-browser`")
        pytest.skip("Chromium is not installed: `make setup-browser`")
    command = [
        found,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    done = subprocess.run([*command, *args], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_chromium_decodes_and_lays_out_every_chart(reported, tmp_path):
    page = Path(reported["summary"]["report"]).read_text(encoding="utf-8")
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = chromium(tmp_path, "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()).stdout
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    charts = json.loads(found.group(1).replace("&quot;", '"'))
    assert len(charts) == 3
    assert all(c["complete"] and c["width"] > 300 and c["shown"] > 300 for c in charts), charts


def test_the_screenshot_shows_the_daily_sales_chart(reported, tmp_path):
    shot = tmp_path / "report.png"
    report = Path(reported["summary"]["report"])
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1100,3200", report.as_uri())
    pixels = (image.imread(shot)[:, :, :3] * 255).round().astype(int)
    assert pixels.shape[:2] == (3200, 1100)
    bars = ((abs(pixels - ORDERS_BARS) <= 3).all(axis=2)).sum()
    assert bars > 2000, f"only {bars} pixels of the orders bars' color: the chart did not paint"
