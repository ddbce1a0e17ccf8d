"""IAM per principal on the local runtime (orchestration.local.iam): a role session's requests are
allowed only where the role's policies allow the action on every resource they touch."""

from __future__ import annotations

import json
import time

import boto3
import pytest
from botocore.exceptions import ClientError

from orchestration.local import iam
from tests.orchestration.local.conftest import REGION
from tests.orchestration.local.test_moto_fixes import TRUSTS_SERVICES

ACCOUNT = "123456789012"
CATALOG = f"arn:aws:glue:{REGION}:{ACCOUNT}:catalog"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::box"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::box/*"},
        {
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:DeleteObject"],
            "Resource": "arn:aws:s3:::box/out/*",
        },
        {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::box/secret/*"},
        {
            "Effect": "Allow",
            "Action": ["glue:GetDatabase", "glue:GetTable", "glue:CreateTable"],
            "Resource": [
                CATALOG,
                f"arn:aws:glue:{REGION}:{ACCOUNT}:database/mine",
                f"arn:aws:glue:{REGION}:{ACCOUNT}:table/mine/*",
            ],
        },
    ],
}


def _session_of(client, name: str, statements: list[dict]):
    """A client factory acting as a new role `name` with these statements."""
    role = client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({"Statement": []}))
    document = json.dumps({"Version": "2012-10-17", "Statement": statements})
    client("iam").put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=document)
    keys = iam.role_credentials(role["Role"]["Arn"], "run-1", REGION)
    session = boto3.Session(
        aws_access_key_id=keys["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=keys["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=keys["AWS_SESSION_TOKEN"],
        region_name=REGION,
    )
    return lambda service: session.client(service, endpoint_url=client("s3").meta.endpoint_url)


@pytest.fixture(scope="module")
def as_role(client):
    admin_s3 = client("s3")
    admin_s3.create_bucket(Bucket="box")
    for key in ("in/a.csv", "secret/k.txt"):
        admin_s3.put_object(Bucket="box", Key=key, Body=b"x")
    glue = client("glue")
    for name in ("mine", "theirs"):
        glue.create_database(DatabaseInput={"Name": name})
    make = _session_of(client, "worker", POLICY["Statement"])
    yield make
    iam.forget()


def denied(call, **kwargs) -> str:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    assert caught.value.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException")
    return caught.value.response["Error"]["Message"]


def test_s3_calls_are_allowed_only_on_the_resources_the_role_names(as_role):
    s3 = as_role("s3")
    assert s3.get_object(Bucket="box", Key="in/a.csv")["Body"].read() == b"x"
    s3.put_object(Bucket="box", Key="out/b.csv", Body=b"y")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="box", Prefix="out/")["Contents"]] == ["out/b.csv"]
    message = denied(s3.put_object, Bucket="box", Key="in/b.csv", Body=b"y")
    assert "is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::box/in/b.csv" in message
    assert "assumed-role/worker/run-1" in message
    # An explicit Deny wins over the Allow on box/*.
    assert "s3:GetObject on resource: arn:aws:s3:::box/secret/k.txt" in denied(
        s3.get_object, Bucket="box", Key="secret/k.txt"
    )


def test_a_copy_needs_read_on_its_source_and_a_delete_needs_each_key(as_role, client):
    s3 = as_role("s3")
    s3.copy_object(Bucket="box", Key="out/c.csv", CopySource="box/in/a.csv")
    message = denied(s3.copy_object, Bucket="box", Key="out/d.txt", CopySource="box/secret/k.txt")
    assert "s3:GetObject on resource: arn:aws:s3:::box/secret/k.txt" in message
    answer = s3.delete_objects(Bucket="box", Delete={"Objects": [{"Key": "in/a.csv"}]})
    assert [e["Code"] for e in answer.get("Errors", [])] == ["AccessDenied"]
    assert client("s3").head_object(Bucket="box", Key="in/a.csv")  # still there
    s3.delete_objects(Bucket="box", Delete={"Objects": [{"Key": "out/c.csv"}]})


def test_glue_table_calls_need_the_catalog_the_database_and_the_table(as_role):
    glue = as_role("glue")
    assert glue.get_database(Name="mine")["Database"]["Name"] == "mine"
    table = {"Name": "t", "StorageDescriptor": {"Columns": [{"Name": "a", "Type": "int"}]}}
    glue.create_table(DatabaseName="mine", TableInput=table)
    message = denied(glue.create_table, DatabaseName="theirs", TableInput=table)
    assert f"glue:CreateTable on resource: arn:aws:glue:{REGION}:{ACCOUNT}:database/theirs" in message
    assert "glue:GetDatabase" in denied(glue.get_database, Name="theirs")
    assert "glue:DeleteTable" in denied(glue.delete_table, DatabaseName="mine", Name="t")


def test_other_credentials_are_not_evaluated(as_role, client):
    client("s3").put_object(Bucket="box", Key="in/admin.csv", Body=b"z")


def test_the_role_is_read_as_it_is_now(as_role, client):
    s3 = as_role("s3")
    narrower = {**POLICY, "Statement": [s for s in POLICY["Statement"] if s["Action"] != "s3:ListBucket"]}
    client("iam").put_role_policy(RoleName="worker", PolicyName="p", PolicyDocument=json.dumps(narrower))
    try:
        assert "s3:ListBucket on resource: arn:aws:s3:::box " in denied(s3.list_objects_v2, Bucket="box")
    finally:
        client("iam").put_role_policy(RoleName="worker", PolicyName="p", PolicyDocument=json.dumps(POLICY))


def test_the_state_machine_s_integrations_act_with_its_role(as_role, client):
    reader = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::box/in/*"}],
    }
    role = client("iam").create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps(TRUSTS_SERVICES))
    client("iam").put_role_policy(RoleName="reader", PolicyName="p", PolicyDocument=json.dumps(reader))
    sfn = client("stepfunctions")

    def run(key: str) -> dict:
        definition = {
            "StartAt": "Get",
            "States": {
                "Get": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                    "Parameters": {"Bucket": "box", "Key": key},
                    "ResultSelector": {"ok": True},
                    "End": True,
                }
            },
        }
        arn = sfn.create_state_machine(
            name=f"reader-{key.replace('/', '-').replace('.', '-')}",
            definition=json.dumps(definition),
            roleArn=role["Role"]["Arn"],
        )["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
        deadline = time.monotonic() + 60
        while (found := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        return found

    assert run("in/a.csv")["status"] == "SUCCEEDED"
    denied_run = run("out/b.csv")
    assert denied_run["status"] == "FAILED"
    assert (
        "not authorized to perform: s3:GetObject on resource: arn:aws:s3:::box/out/b.csv"
        in denied_run["cause"]
    )
    assert "assumed-role/reader/" in denied_run["cause"]


def test_json_and_query_protocol_calls_are_denied_in_their_own_shape(as_role):
    message = denied(as_role("dynamodb").put_item, TableName="locks", Item={"k": {"S": "1"}})
    assert f"dynamodb:PutItem on resource: arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/locks" in message
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"
    with pytest.raises(ClientError) as caught:
        as_role("sns").publish(TopicArn=topic, Message="m")
    assert caught.value.response["Error"]["Code"] == "AuthorizationError"
    assert f"sns:Publish on resource: {topic}" in caught.value.response["Error"]["Message"]


def test_publishing_to_an_encrypted_topic_needs_its_key(as_role, client):
    key = client("kms").create_key()["KeyMetadata"]["Arn"]
    client("kms").create_alias(AliasName="alias/alerts", TargetKeyId=key)
    sealed = client("sns").create_topic(Name="sealed", Attributes={"KmsMasterKeyId": "alias/alerts"})
    topic = sealed["TopicArn"]
    publish = {"Effect": "Allow", "Action": "sns:Publish", "Resource": topic}
    without_key = _session_of(client, "publisher", [publish])
    with pytest.raises(ClientError) as caught:
        without_key("sns").publish(TopicArn=topic, Message="m")
    error = caught.value.response["Error"]
    assert error["Code"] == "KMSAccessDenied"
    assert f"kms:GenerateDataKey on resource: {key}" in error["Message"]
    # Through SNS only, as the deploy and job roles scope their key statements.
    use_key = {
        "Effect": "Allow",
        "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
        "Resource": key,
        "Condition": {"StringEquals": {"kms:ViaService": f"sns.{REGION}.amazonaws.com"}},
    }
    with_key = _session_of(client, "key-publisher", [publish, use_key])
    assert with_key("sns").publish(TopicArn=topic, Message="m")["MessageId"]


def _bucket_with_policy(client, name: str, statements: list[dict]) -> None:
    client("s3").create_bucket(Bucket=name)
    client("s3").put_object(Bucket=name, Key="in/a.csv", Body=b"x")
    policy = {"Version": "2012-10-17", "Statement": statements}
    client("s3").put_bucket_policy(Bucket=name, Policy=json.dumps(policy))


def test_a_bucket_policy_deny_wins_and_its_allow_for_the_role_grants(client):
    role = f"arn:aws:iam::{ACCOUNT}:role/bucket-reader"
    _bucket_with_policy(
        client,
        "guarded",
        [
            # The template's: no plain-HTTP access (the SDKs and services call over TLS).
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::guarded", "arn:aws:s3:::guarded/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Effect": "Deny",
                "Principal": {"AWS": role},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::guarded/in/*",
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": role},
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::guarded/out/*",
            },
        ],
    )
    reader = _session_of(
        client, "bucket-reader", [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]
    )
    message = denied(reader("s3").get_object, Bucket="guarded", Key="in/a.csv")
    assert (
        "s3:GetObject on resource: arn:aws:s3:::guarded/in/a.csv with an explicit deny in a resource"
        in message
    )
    client("s3").get_object(Bucket="guarded", Key="in/a.csv")  # the Deny names the role, not everyone
    reader("s3").put_object(Bucket="guarded", Key="out/b.csv", Body=b"y")  # granted by the bucket alone
    denied(reader("s3").put_object, Bucket="guarded", Key="elsewhere/c.csv", Body=b"z")


def test_the_key_policy_decides_whether_iam_may_grant_the_key(client):
    kms = client("kms")
    own = kms.create_key()["KeyMetadata"]["Arn"]  # AWS's default key policy: the account, through IAM
    sealed_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/admin"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    sealed = kms.create_key(Policy=json.dumps(sealed_policy))["KeyMetadata"]["Arn"]
    for bucket, key in (("own-key", own), ("sealed-key", sealed)):
        client("s3").create_bucket(Bucket=bucket)
        rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}
        client("s3").put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [rule]})
    writer = _session_of(
        client,
        "key-writer",
        [
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"},
            {"Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": [own, sealed]},
        ],
    )
    writer("s3").put_object(Bucket="own-key", Key="a.csv", Body=b"x")
    message = denied(writer("s3").put_object, Bucket="sealed-key", Key="a.csv", Body=b"x")
    assert f"kms:GenerateDataKey on resource: {sealed} because no resource-based policy allows" in message
