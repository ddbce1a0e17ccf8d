"""The jobs' Delta log store (logstore/, named in the template's --extra-jars and --conf) on the
local AWS runtime: two Glue job runs at once commit to one Delta table, as a layer's Map does with
the shared tables (the file ledger, the quarantine), and no commit is lost."""

from __future__ import annotations

import json
import time

import boto3

from tests.orchestration.pipeline import deployed

WRITER = """
import sys
from pyspark.sql import SparkSession, functions as F
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
spark = SparkSession.builder.getOrCreate()
table = args["--table"]
if args["--mode"] == "append":
    for commit in range(int(args["--commits"])):
        row = spark.range(1).select(F.lit(args["--writer"]).alias("writer"), F.lit(commit).alias("commit"))
        row.write.format("delta").mode("append").save(table)
else:
    from delta.tables import DeltaTable
    rows = spark.read.format("delta").load(table)
    versions = DeltaTable.forPath(spark, table).history().count()
    counts = F.count("*").alias("rows"), F.countDistinct("commit").alias("commits")
    summary = rows.groupBy("writer").agg(*counts)
    summary.withColumn("versions", F.lit(versions)).coalesce(1).write.mode("overwrite").json(args["--out"])
"""
COMMITS = 8


def errors(runs: dict[str, dict]) -> list[str]:
    return [run.get("ErrorMessage", "") for run in runs.values()]


def wait_for(glue, job: str, run_ids: list[str], seconds: float = 600) -> dict[str, dict]:
    deadline = time.monotonic() + seconds
    while True:
        runs = {run_id: glue.get_job_run(JobName=job, RunId=run_id)["JobRun"] for run_id in run_ids}
        if all(run["JobRunState"] not in ("STARTING", "RUNNING") for run in runs.values()):
            return runs
        assert time.monotonic() < deadline, f"job runs still running after {seconds} s"
        time.sleep(1)


def test_two_concurrent_job_runs_commit_to_one_table_without_losing_a_commit(aws):
    target = deployed(aws, "logst")
    out = target.outputs
    glue, s3 = boto3.client("glue"), boto3.client("s3")
    bronze = glue.get_job(JobName=out["BronzeJob"])["Job"]
    artifacts = out["ArtifactsBucket"]
    s3.put_object(Bucket=artifacts, Key="code/test/writer.py", Body=WRITER.encode())
    glue.create_job(
        Name="lakehouse-logst-writer",
        Role=bronze["Role"],
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{artifacts}/code/test/writer.py"},
        GlueVersion="5.1",
        MaxRetries=0,
        Timeout=30,
        ExecutionProperty={"MaxConcurrentRuns": 2},
        # The real job definition's --conf and --extra-jars: the log store as deployed.
        DefaultArguments={key: bronze["DefaultArguments"][key] for key in ("--conf", "--extra-jars")},
    )
    table = f"s3://{out['DwhBucket']}/warehouse/test/shared"

    def start(mode: str, **arguments) -> str:
        arguments = {"--mode": mode, "--table": table, **{f"--{k}": str(v) for k, v in arguments.items()}}
        return glue.start_job_run(JobName="lakehouse-logst-writer", Arguments=arguments)["JobRunId"]

    first = wait_for(glue, "lakehouse-logst-writer", [start("append", writer="init", commits=1)])
    assert [run["JobRunState"] for run in first.values()] == ["SUCCEEDED"], errors(first)
    both = [start("append", writer="a", commits=COMMITS), start("append", writer="b", commits=COMMITS)]
    runs = wait_for(glue, "lakehouse-logst-writer", both)
    assert {run["JobRunState"] for run in runs.values()} == {"SUCCEEDED"}, errors(runs)
    # The two runs overlapped: each started before the other ended.
    a, b = runs[both[0]], runs[both[1]]
    assert a["StartedOn"] < b["CompletedOn"] and b["StartedOn"] < a["CompletedOn"]

    summary = f"s3://{out['DwhBucket']}/warehouse/test/summary"
    counted = wait_for(glue, "lakehouse-logst-writer", [start("count", out=summary)])
    assert [run["JobRunState"] for run in counted.values()] == ["SUCCEEDED"], errors(counted)
    listed = s3.list_objects_v2(Bucket=out["DwhBucket"], Prefix="warehouse/test/summary/part-")
    [part] = listed["Contents"]
    body = s3.get_object(Bucket=out["DwhBucket"], Key=part["Key"])["Body"].read().decode()
    rows = {row["writer"]: row for row in map(json.loads, body.splitlines())}
    assert {writer: (row["rows"], row["commits"]) for writer, row in rows.items()} == {
        "init": (1, 1),
        "a": (COMMITS, COMMITS),
        "b": (COMMITS, COMMITS),
    }
    # Every commit is a version of its own: 1 + 2 x COMMITS, none overwritten by the other writer.
    assert {row["versions"] for row in rows.values()} == {1 + 2 * COMMITS}
