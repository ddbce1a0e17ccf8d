"""File operations through Hadoop's FileSystem API, so the same code moves files on a local disk
(file:) and on S3 (s3a:) without a second implementation."""

from __future__ import annotations

import json
import posixpath

from pyspark.sql import SparkSession


def _fs(spark: SparkSession, uri: str):
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    return path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), path


def qualify(spark: SparkSession, uri: str) -> str:
    """Fully qualified form (file:/abs/path, s3a://bucket/key), as Spark names scanned files."""
    fs, path = _fs(spark, uri)
    return fs.makeQualified(path).toString().rstrip("/")


def exists(spark: SparkSession, uri: str) -> bool:
    fs, path = _fs(spark, uri)
    return bool(fs.exists(path))


def list_files(spark: SparkSession, uri: str, suffix: str) -> list[tuple[str, str, int]]:
    """(path, encoded uri, size) of every file under `uri` (recursively) whose name ends with
    `suffix`. Spark reads a file by its path and reports it by its encoded URI (input_file_name)."""
    fs, root = _fs(spark, uri)
    if not fs.exists(root):
        return []
    found = []
    listing = fs.listFiles(root, True)
    while listing.hasNext():
        status = listing.next()
        path = status.getPath()
        if path.getName().endswith(suffix):
            found.append((path.toString(), path.toUri().toString(), int(status.getLen())))
    return sorted(found)


def move(spark: SparkSession, src: str, dst: str, suffix: str) -> str | None:
    """Move src to dst; when dst is taken (a corrected file re-sent under the same name), the new
    one gets `suffix` appended so nothing already there is overwritten. Returns the destination,
    or None when src is gone (a concurrent run, or this run before a crash, moved it already)."""
    fs, src_path = _fs(spark, src)
    if not fs.exists(src_path):
        return None
    jvm = spark.sparkContext._jvm
    target = jvm.org.apache.hadoop.fs.Path(dst)
    if fs.exists(target):
        target = jvm.org.apache.hadoop.fs.Path(f"{dst}.{suffix}")
    fs.mkdirs(target.getParent())
    if not fs.rename(src_path, target):
        raise OSError(f"could not move {src} to {target.toString()}")
    return target.toString()


def write_text(spark: SparkSession, uri: str, text: str) -> None:
    """Create or replace `uri` with `text` (UTF-8)."""
    fs, path = _fs(spark, uri)
    out = fs.create(path, True)
    try:
        out.write(bytearray(text.encode("utf-8")))
    finally:
        out.close()


def read_text(spark: SparkSession, uri: str) -> str:
    fs, path = _fs(spark, uri)
    stream = fs.open(path)
    try:
        jvm = spark.sparkContext._jvm
        return jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
    finally:
        stream.close()


def write_json(spark: SparkSession, uri: str, payload: dict | list) -> None:
    write_text(spark, uri, json.dumps(payload, indent=2, sort_keys=True))


def read_json(spark: SparkSession, uri: str):
    return json.loads(read_text(spark, uri))


def default_sibling(raw_root: str, name: str) -> str:
    """`archived` or `quarantine` beside the raw folder."""
    return posixpath.join(posixpath.dirname(raw_root.rstrip("/")) or ".", name)
