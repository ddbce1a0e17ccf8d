"""Glue Data Catalog registration: every analyst table as an Athena-native Delta table.

Athena reads a Delta table natively when its Glue entry has `table_type=DELTA` and a location; it
takes the data files from the transaction log. The columns are still registered, taken from the
Delta schema, because Lake Formation, views and discovery read them from Glue (never Spark's
`col array<string>` placeholder). Registration is idempotent: a table whose entry already matches
is left alone, one whose schema, partitioning or location changed is updated.

With no Glue client (file mode) the same entries are kept as JSON files, one per table, for the
local engine to resolve `<layer>.<table>` names.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

import boto3
from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import types as T

from shared import delta
from shared.warehouse import absolute, all_tables, sql_name, table_path

DEFAULT_ENV = "dev"
DEFAULT_REGION = "us-east-1"
CATALOG_DIR = "_catalog"  # file mode: <warehouse>/_catalog/<database>.<table>.json
# What Athena needs for a native Delta read (table_type, and the location in the descriptor);
# `classification` names the format for Glue's console and crawlers; EXTERNAL: dropping the entry
# never touches the data. No `spark.sql.sources.provider`: that marks the other, placeholder-schema
# registration, where Athena expects the location as a SerDe `path` parameter instead.
DELTA_PARAMETERS = {"table_type": "DELTA", "classification": "delta", "EXTERNAL": "TRUE"}
# Spark's simpleString of these types is already the Athena name.
PRIMITIVE_TYPES = frozenset(
    "boolean tinyint smallint int bigint float double string binary date timestamp".split()
)
COMMENT_MAX = 255  # Glue's limit on a column comment


def hive_type(data_type: T.DataType) -> str:
    """The Athena (Hive DDL) type of a Spark type: bigint, decimal(12,2), array<string>,
    map<string,string>, struct<a:int,b:string>..."""
    if isinstance(data_type, T.ArrayType):
        return f"array<{hive_type(data_type.elementType)}>"
    if isinstance(data_type, T.MapType):
        return f"map<{hive_type(data_type.keyType)},{hive_type(data_type.valueType)}>"
    if isinstance(data_type, T.StructType):
        return "struct<" + ",".join(f"{f.name}:{hive_type(f.dataType)}" for f in data_type.fields) + ">"
    if isinstance(data_type, T.DecimalType):
        return f"decimal({data_type.precision},{data_type.scale})"
    if isinstance(data_type, T.TimestampNTZType):
        return "timestamp"  # Athena's timestamp has no zone either
    if isinstance(data_type, T.CharType | T.VarcharType):
        return data_type.simpleString()  # char(n), varchar(n)
    name = data_type.simpleString()
    if name not in PRIMITIVE_TYPES:
        raise ValueError(f"no Athena type for Spark type {name}")
    return name


def glue_column(field: T.StructField) -> dict:
    column = {"Name": field.name, "Type": hive_type(field.dataType)}
    comment = (field.metadata or {}).get("comment")
    if comment:
        column["Comment"] = comment[:COMMENT_MAX]
    return column


def athena_location(path: str) -> str:
    """S3 locations in the form Athena accepts (s3://); anything else (a local warehouse) as given."""
    for scheme in ("s3a://", "s3n://"):
        if path.startswith(scheme):
            return "s3://" + path[len(scheme) :]
    return path


def glue_table_input(name: str, location: str, schema: T.StructType, partition_columns: list[str]) -> dict:
    """The Glue TableInput of an Athena-native Delta table: the real columns of `schema` (partition
    columns as PartitionKeys, in partitioning order, not among the Columns)."""
    by_name = {f.name: f for f in schema.fields}
    missing = [c for c in partition_columns if c not in by_name]
    if missing:
        raise ValueError(f"partition columns {missing} are not in the schema of {name}")
    return {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": dict(DELTA_PARAMETERS),
        "StorageDescriptor": {
            "Location": athena_location(location),
            "Columns": [glue_column(f) for f in schema.fields if f.name not in partition_columns],
        },
        "PartitionKeys": [glue_column(by_name[c]) for c in partition_columns],
    }


def database_name(env: str, layer: str) -> str:
    return sql_name(f"{sql_name(env, 'environment name')}_{layer}", "database name")


def glue_client(endpoint_url: str | None = None, region: str | None = None):
    """A boto3 Glue client; `endpoint_url` for a local AWS runtime (boto3 also honours
    AWS_ENDPOINT_URL_GLUE / AWS_ENDPOINT_URL when it is None)."""
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    return boto3.client("glue", region_name=region, endpoint_url=endpoint_url)


def _signature(table: dict) -> tuple:
    """What registration owns in an entry, normalised the way Glue stores it (lowercase names), so
    an entry read back from Glue compares equal to the input that created it."""

    def columns(cols):
        return [(c["Name"].lower(), c["Type"].lower().replace(" ", ""), c.get("Comment")) for c in cols]

    descriptor = table.get("StorageDescriptor") or {}
    parameters = table.get("Parameters") or {}
    return (
        table.get("TableType"),
        {k: parameters.get(k) for k in DELTA_PARAMETERS},
        "spark.sql.sources.provider" in parameters,
        (descriptor.get("Location") or "").rstrip("/"),
        columns(descriptor.get("Columns") or []),
        columns(table.get("PartitionKeys") or []),
    )


def _ensure_database(client, name: str, layer: str) -> None:
    try:
        client.create_database(
            DatabaseInput={"Name": name, "Description": f"Delta tables of the {layer} layer"}
        )
    except client.exceptions.AlreadyExistsException:
        pass


def _register_glue(client, database: str, table_input: dict) -> str:
    try:
        current = client.get_table(DatabaseName=database, Name=table_input["Name"])["Table"]
    except client.exceptions.EntityNotFoundException:
        client.create_table(DatabaseName=database, TableInput=table_input)
        return "created"
    if _signature(current) == _signature(table_input):
        return "unchanged"
    client.update_table(DatabaseName=database, TableInput=table_input)
    return "updated"


def _register_file(catalog_dir: Path, database: str, table_input: dict) -> str:
    entry = {"database": database, "table": table_input["Name"], "TableInput": table_input}
    target = catalog_dir / f"{database}.{table_input['Name']}.json"
    action = "created"
    if target.exists():
        if json.loads(target.read_text(encoding="utf-8")) == entry:
            return "unchanged"
        action = "updated"
    catalog_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(entry, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(target)  # readers never see half a file
    return action


def _local_dir(path: str) -> Path:
    if path.startswith("file:"):
        path = re.sub(r"^file:(//)?", "", path)
    elif "://" in path:
        raise ValueError(f"file-mode catalog needs a local directory, not {path}; use a Glue client")
    return Path(path)


def delta_table_input(spark: SparkSession, path: str, name: str) -> dict:
    """The TableInput of the Delta table at `path`, from its log: schema and partition columns."""
    table = DeltaTable.forPath(spark, path)
    partition_columns = list(table.detail().select("partitionColumns").head()[0])
    return glue_table_input(name, path, table.toDF().schema, partition_columns)


def register_tables(
    spark: SparkSession,
    warehouse: str,
    env: str = DEFAULT_ENV,
    glue_client=None,
    catalog_dir: str | None = None,
    tables: Iterable[tuple[str, str]] | None = None,
) -> list[dict]:
    """Create or update the catalog entry of every existing analyst table (`tables`: a subset of
    (layer, table), default all of them) in database `<env>_<layer>`; through Glue when a client
    is given, else as JSON files in `catalog_dir` (default `<warehouse>/_catalog`).
    Returns [{database, table, action: created|updated|unchanged}]."""
    local = None if glue_client else _local_dir(catalog_dir or f"{absolute(warehouse)}/{CATALOG_DIR}")
    results, databases = [], set()
    for layer, name in tables or all_tables():
        path = table_path(warehouse, layer, name)
        if not delta.exists(spark, path):
            continue
        database = database_name(env, layer)
        table_input = delta_table_input(spark, path, name)
        if local is not None:
            action = _register_file(local, database, table_input)
        else:
            if database not in databases:
                _ensure_database(glue_client, database, layer)
                databases.add(database)
            action = _register_glue(glue_client, database, table_input)
        results.append({"database": database, "table": name, "action": action})
    return results


def register_job_tables(spark: SparkSession, warehouse: str, mode: str, env: str, tables) -> list[dict]:
    """What a job does after its writes: keep the catalog entries of the tables it wrote current.
    `mode` is the jobs' `--catalog` argument: glue (the Glue Data Catalog of the job's AWS
    endpoint and region), file (JSON beside the warehouse) or none."""
    if mode == "none":
        return []
    client = glue_client() if mode == "glue" else None
    return register_tables(spark, warehouse, env, glue_client=client, tables=tables)
