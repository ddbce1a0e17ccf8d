"""The Glue code bundle: a zip of the packages the jobs import (`shared` and the three layers;
never the application or orchestration), the three job scripts, the Delta log store's jar and the
validation and view SQL. `make package` writes it with a MANIFEST.json of each file's SHA-256;
orchestration.deploy uploads it under `code/<version>/`."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

from shared.errors import UserError

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bronze", "silver", "gold", "shared")
JOBS = {"bronze": "bronze/job.py", "silver": "silver/job.py", "gold": "gold/job.py"}
SQL_DIRS = ("validation", "views")  # shipped as sql/<dir>/<name>.sql
# The Delta log store the jobs load with --extra-jars (logstore/, built by `make setup`).
LOGSTORE_JAR = ROOT / "logstore" / "target" / "lakehouse-logstore-1.0.0.jar"
LOGSTORE_KEY = "jars/lakehouse-logstore.jar"
MANIFEST = "MANIFEST.json"  # written by `make package` beside the bundle
ZIP_TIME = (2000, 1, 1, 0, 0, 0)  # fixed entry times: the same code gives the same bytes


def code_zip() -> bytes:
    """The importable packages, as Glue's --extra-py-files takes them."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for package_name in PACKAGES:
            for path in sorted((ROOT / package_name).rglob("*.py")):
                info = zipfile.ZipInfo(str(path.relative_to(ROOT)), ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    return out.getvalue()


def bundle() -> dict[str, bytes]:
    """The environment-independent code bundle: {key under code/<version>/: content}."""
    if not LOGSTORE_JAR.is_file():
        raise UserError(f"{LOGSTORE_JAR.relative_to(ROOT)} is not built: run `make setup`")
    files = {"lakehouse.zip": code_zip(), LOGSTORE_KEY: LOGSTORE_JAR.read_bytes()}
    for name, script in JOBS.items():
        # Not `<layer>.py`: Glue puts the script's folder first on sys.path, where a file named
        # like the package would shadow it.
        files[f"jobs/{name}_job.py"] = (ROOT / script).read_bytes()
    for folder in SQL_DIRS:
        for sql in sorted((ROOT / "sql" / folder).glob("*.sql")):
            files[f"sql/{folder}/{sql.name}"] = sql.read_bytes()
    return files


def write_bundle(files: dict[str, bytes], out: Path) -> None:
    for key, body in files.items():
        (out / key).parent.mkdir(parents=True, exist_ok=True)
        (out / key).write_bytes(body)


def file_hashes(files: dict[str, bytes]) -> dict[str, str]:
    """{key: SHA-256 hex} of a bundle: its MANIFEST.json's `files`."""
    return {key: hashlib.sha256(body).hexdigest() for key, body in sorted(files.items())}


def read_bundle(folder: Path) -> dict[str, bytes]:
    """A bundle written by `make package`, checked against its MANIFEST.json."""
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in paths}
    if "lakehouse.zip" not in files or not (folder / MANIFEST).is_file():
        raise ValueError(
            f"{folder} is not a code bundle (no lakehouse.zip or {MANIFEST}): run `make package`"
        )
    listed = json.loads((folder / MANIFEST).read_text())["files"]
    actual = file_hashes(files)
    if actual != listed:
        differ = sorted(set(actual.items()) ^ set(listed.items()))
        raise ValueError(f"{folder} does not match its {MANIFEST}: {differ[0][0]} differs")
    return files


def version_of(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for key in sorted(files):
        digest.update(key.encode() + b"\0" + hashlib.sha256(files[key]).digest())
    return digest.hexdigest()[:16]
