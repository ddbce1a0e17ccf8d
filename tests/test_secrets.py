"""`make lint`'s secret scanner (detect-secrets over the tracked files): the repository is clean, and
the scanner does flag a credential planted in a file, so a leak fails lint."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOOK = Path(sys.executable).with_name("detect-secrets-hook")


def scan(files: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(HOOK), *files], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_no_tracked_file_holds_a_secret():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    found = scan(tracked.stdout.split())
    assert found.returncode == 0, found.stdout


def test_a_planted_credential_is_found(tmp_path):
    leak = tmp_path / "settings.py"
    # Assembled here so that this file itself holds no key.
    leak.write_text(f'aws_access_key_id = "{"AKIA" + "Z7QPLM3XWR9TBN4K"}"\n')
    found = scan([str(leak)])
    assert found.returncode == 1 and "AWS Access Key" in found.stdout
