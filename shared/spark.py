"""One way to build the SparkSession, for local runs, tests and AWS Glue alike.

On Glue 5.1 (`--datalake-formats delta`) the Delta jars are already on the classpath, so only the
SQL settings are applied. Locally the Delta jars are resolved from Maven Central by Spark's own
package resolution on first use and cached outside the repository (LAKEHOUSE_JAR_CACHE, default
~/.cache/lakehouse/ivy), so a second start is offline.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
from pathlib import Path

from pyspark.sql import SparkSession

from shared.errors import UserError

DELTA_VERSION = "3.3.2"
DELTA_PACKAGES = (f"io.delta:delta-spark_2.12:{DELTA_VERSION}", f"io.delta:delta-storage:{DELTA_VERSION}")
# S3A for the local AWS runtime: the hadoop-aws of Spark 3.5's Hadoop (3.3.4) and its AWS SDK,
# and the AWS SDK v2 S3 client that Glue 5.1 has on its classpath too, which the jobs' Delta log
# store (logstore/, named in the jobs' --extra-jars) uses; the version is logstore/pom.xml's.
AWS_SDK_V2_VERSION = "2.29.52"
S3A_PACKAGES = (
    "org.apache.hadoop:hadoop-aws:3.3.4",
    f"software.amazon.awssdk:s3:{AWS_SDK_V2_VERSION}",
    f"software.amazon.awssdk:url-connection-client:{AWS_SDK_V2_VERSION}",
)
# The SDK's other HTTP clients (and their Netty, which would shadow Spark's): not used.
S3A_EXCLUDES = ",".join(
    f"{group}:{artifact}"
    for group, artifact in (
        ("software.amazon.awssdk", "netty-nio-client"),
        ("software.amazon.awssdk", "apache-client"),
        ("org.slf4j", "slf4j-api"),  # Spark has its own (2.x)
    )
)
# Set (by the local Glue runner) to the local AWS runtime's endpoint: `s3://` then goes through S3A
# to it, as `s3://` goes to S3 on Glue.
S3_ENDPOINT_ENV = "LAKEHOUSE_S3_ENDPOINT"
# Spark settings a job's runner passes on (JSON object), as Glue applies a job's `--conf`.
SPARK_CONF_ENV = "LAKEHOUSE_SPARK_CONF"


def scratch_env(folder) -> dict[str, str]:
    """Environment that keeps a Spark process's temporary files in `folder`: Spark's local dirs
    (its jar copies and block manager), Python's and the JVM's temporary files. A process ended
    with SIGKILL cannot clean up after itself; whoever kills it removes the folder."""
    return {
        "SPARK_LOCAL_DIRS": str(folder),
        "TMPDIR": str(folder),
        "JAVA_TOOL_OPTIONS": f"-Djava.io.tmpdir={folder}",
    }


# Settings that hold on every runtime: UTC everywhere, non-ANSI casts (a failed cast is a null
# that the validator turns into a reason, never a job failure), Delta as the catalog.
COMMON_CONF = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    "spark.databricks.delta.schema.autoMerge.enabled": "false",
    "spark.databricks.delta.merge.repartitionBeforeWrite.enabled": "true",
    # Bronze detects rows whose field count differs from the header's; CSV column pruning would
    # make that depend on which columns a query selects.
    "spark.sql.csv.parser.columnPruning.enabled": "false",
}

# Local-only: small machine, no UI, few shuffle partitions.
LOCAL_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
    "spark.driver.memory": "4g",
    "spark.sql.adaptive.enabled": "true",
    "spark.databricks.delta.snapshotPartitions": "2",
    # -XX:-DontCompileHugeMethods: the JIT compiles Spark's generated methods above 8,000 bytes of
    # bytecode too (silver's validation is one); left interpreted, validation ran twice as long.
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC -XX:-DontCompileHugeMethods",
    "spark.executor.extraJavaOptions": "-Duser.timezone=UTC -XX:-DontCompileHugeMethods",
}


def s3a_conf(endpoint: str) -> dict:
    """S3A against an S3-compatible endpoint (path-style, plain HTTP, the environment's keys)."""
    conf = {
        "spark.hadoop.fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "spark.hadoop.fs.s3a.endpoint": endpoint,
        "spark.hadoop.fs.s3a.endpoint.region": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        "spark.hadoop.fs.s3a.path.style.access": "true",
        "spark.hadoop.fs.s3a.connection.ssl.enabled": endpoint.startswith("https"),
        "spark.hadoop.fs.s3a.aws.credentials.provider": (
            "com.amazonaws.auth.EnvironmentVariableCredentialsProvider"
        ),
        # The Delta log of an s3:// table is written through S3A: same single-driver log store.
        "spark.delta.logStore.s3.impl": "io.delta.storage.S3SingleDriverLogStore",
    }
    return {key: str(value).lower() if isinstance(value, bool) else value for key, value in conf.items()}


def jar_cache() -> Path:
    return Path(os.environ.get("LAKEHOUSE_JAR_CACHE", Path.home() / ".cache" / "lakehouse" / "ivy"))


def on_glue() -> bool:
    return "GLUE_VERSION" in os.environ or os.environ.get("AWS_EXECUTION_ENV", "").startswith("AWS_Glue")


@contextlib.contextmanager
def jvm_stdout_to_stderr():
    """The JVM started inside this block inherits stderr as its stdout, so what Spark and Ivy
    print (":: loading settings ...") never mixes into our stdout, which `--json` keeps clean."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def java_command() -> str | None:
    """The java Spark will start: $JAVA_HOME/bin/java, else the one on PATH; None without either."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = os.path.join(home, "bin", "java")
        return candidate if os.access(candidate, os.X_OK) else None
    return shutil.which("java")


def get_spark(app_name: str = "lakehouse", master: str | None = None, extra_conf: dict | None = None):
    """Return the Delta-enabled session (an active one is reused: one session per process)."""
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if not on_glue() and not java_command():
        raise UserError(
            "Java 17 is required to start Spark and none was found: set JAVA_HOME or put java on PATH"
        )
    builder = SparkSession.builder.appName(app_name)
    conf = dict(COMMON_CONF)
    if not on_glue():
        conf.update(LOCAL_CONF)
        packages = DELTA_PACKAGES
        if os.environ.get(S3_ENDPOINT_ENV):
            packages += S3A_PACKAGES
            conf.update(s3a_conf(os.environ[S3_ENDPOINT_ENV]))
            conf["spark.jars.excludes"] = S3A_EXCLUDES
        conf["spark.jars.packages"] = ",".join(packages)
        conf["spark.jars.ivy"] = str(jar_cache())
        builder = builder.master(master or os.environ.get("LAKEHOUSE_SPARK_MASTER", "local[*]"))
    passed = json.loads(os.environ.get(SPARK_CONF_ENV) or "{}")
    for key, value in {**conf, **passed, **(extra_conf or {})}.items():
        builder = builder.config(key, value)
    with jvm_stdout_to_stderr():
        spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(os.environ.get("LAKEHOUSE_SPARK_LOG_LEVEL", "ERROR"))
    return spark


if __name__ == "__main__":
    # `python -m shared.spark`: start and stop one session so the jar cache is filled.
    # With S3A too: the local AWS runtime's jobs need it, and the first use must not download.
    session = get_spark(
        "lakehouse-setup",
        extra_conf={
            "spark.jars.packages": ",".join(DELTA_PACKAGES + S3A_PACKAGES),
            "spark.jars.excludes": S3A_EXCLUDES,
        },
    )
    print(f"Spark {session.version} with Delta Lake {DELTA_VERSION} ready")
    session.stop()
