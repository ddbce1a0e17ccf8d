"""Hand-made raw drops for tests: headers from the contract, files written as given."""

from __future__ import annotations

from pathlib import Path

from shared.contract import FIELD_NAMES


def header(dataset: str) -> str:
    return ",".join(FIELD_NAMES[dataset]) + "\n"


def write_drop(root: Path, files: dict[str, str | bytes]) -> None:
    """{relative path: text or bytes} under root; text is written as UTF-8 bytes, untranslated."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
