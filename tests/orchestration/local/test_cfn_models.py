"""CloudFormation on the local AWS runtime: orchestration.local.cfn (install() also as
orchestration.local.cfn_models.install) on the conftest's moto server. Small inline templates per
resource type and per fix, then the project's real template."""

from __future__ import annotations

import json
import time

import boto3
import pytest
from botocore.exceptions import ClientError

from orchestration.local.cfn_models import install
from orchestration.package import asl_path, package, template_path
from tests.orchestration.local.conftest import REGION

ACCOUNT = "123456789012"
WAIT = {"Delay": 1, "MaxAttempts": 60}


@pytest.fixture(scope="module", autouse=True)
def _cfn_models():
    """Installed before the module's moto server (the conftest's moto_endpoint) starts."""
    install()


@pytest.fixture(scope="module")
def client(moto_endpoint):
    return lambda service: boto3.client(service, endpoint_url=moto_endpoint, region_name=REGION)


@pytest.fixture(autouse=True)
def _no_stack_left(client):
    """A test that fails midway leaves its stack behind: delete it so the next test starts clean."""
    yield
    for stack in client("cloudformation").describe_stacks()["Stacks"]:
        delete(client, stack["StackName"])


def _deploy(client, action: str, name: str, template: str, parameters: dict) -> dict[str, str]:
    """Create or update the stack, wait until the action is complete, return its outputs."""
    cfn = client("cloudformation")
    getattr(cfn, f"{action}_stack")(
        StackName=name,
        TemplateBody=template,
        Parameters=[{"ParameterKey": key, "ParameterValue": str(value)} for key, value in parameters.items()],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    cfn.get_waiter(f"stack_{action}_complete").wait(StackName=name, WaiterConfig=WAIT)
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def create(client, name: str, template: str, **parameters) -> dict[str, str]:
    return _deploy(client, "create", name, template, parameters)


def update(client, name: str, template: str, **parameters) -> dict[str, str]:
    return _deploy(client, "update", name, template, parameters)


def delete(client, name: str) -> None:
    cfn = client("cloudformation")
    cfn.delete_stack(StackName=name)
    cfn.get_waiter("stack_delete_complete").wait(StackName=name, WaiterConfig=WAIT)


def missing(call, *, error: str = "EntityNotFoundException", **request) -> None:
    """The call fails with `error`: what the request names does not exist."""
    with pytest.raises(ClientError, match=error):
        call(**request)


def run(client, state_machine_arn: str, payload: dict, timeout: float = 30) -> dict:
    """Start an execution and return its description once it is no longer RUNNING."""
    sfn = client("stepfunctions")
    execution_arn = sfn.start_execution(
        stateMachineArn=state_machine_arn, name=f"run-{time.monotonic_ns()}", input=json.dumps(payload)
    )["executionArn"]
    deadline = time.monotonic() + timeout
    while True:
        execution = sfn.describe_execution(executionArn=execution_arn)
        if execution["status"] != "RUNNING" or time.monotonic() > deadline:
            return execution
        time.sleep(0.1)


# moto 5.2.5's AWS::KMS::Key requires KeyPolicy (optional on AWS): the templates give AWS's default.
KEY = """\
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
            Action: kms:*
            Resource: "*"
"""


def role(service: str) -> str:
    """An IAM role, logical id Role, that `service` (glue.amazonaws.com, ...) may assume."""
    return f"""\
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{{Effect: Allow, Principal: {{Service: {service}}}, Action: sts:AssumeRole}}]
"""


def with_resources(template: str, *resources: str) -> str:
    """The template with these resources (KEY, role(...)) first in its Resources."""
    return template.replace("Resources:\n", "Resources:\n" + "".join(resources), 1)


# ---------------------------------------------------------------- Glue and Athena

GLUE_DATABASE = """
Parameters:
  Name: {Type: String}
  Description: {Type: String}
Resources:
  Database:
    Type: AWS::Glue::Database
    Properties:
      CatalogId: !Ref AWS::AccountId
      DatabaseInput:
        Name: !Ref Name
        Description: !Ref Description
        LocationUri: !Sub s3://warehouse-${AWS::Region}/${Name}/
        Parameters: {layer: bronze}
Outputs:
  Database: {Value: !Ref Database}
"""


def test_glue_database_is_created_updated_replaced_and_deleted(client):
    glue = client("glue")
    out = create(client, "glue-db", GLUE_DATABASE, Name="dev_bronze", Description="first")
    assert out["Database"] == "dev_bronze"
    database = glue.get_database(Name="dev_bronze")["Database"]
    assert (database["Description"], database["LocationUri"], database["Parameters"]) == (
        "first",
        f"s3://warehouse-{REGION}/dev_bronze/",
        {"layer": "bronze"},
    )

    update(client, "glue-db", GLUE_DATABASE, Name="dev_bronze", Description="second")
    assert glue.get_database(Name="dev_bronze")["Database"]["Description"] == "second"

    out = update(client, "glue-db", GLUE_DATABASE, Name="dev_silver", Description="second")
    assert out["Database"] == "dev_silver"
    names = {d["Name"] for d in glue.get_databases()["DatabaseList"]}
    assert "dev_silver" in names and "dev_bronze" not in names

    delete(client, "glue-db")
    assert not {"dev_bronze", "dev_silver"} & {d["Name"] for d in glue.get_databases()["DatabaseList"]}


GLUE_SECURITY_CONFIGURATION = with_resources(
    """
Resources:
  Security:
    Type: AWS::Glue::SecurityConfiguration
    Properties:
      Name: lake-security
      EncryptionConfiguration:
        S3Encryptions:
          - {S3EncryptionMode: SSE-KMS, KmsKeyArn: !GetAtt Key.Arn}
        CloudWatchEncryption: {CloudWatchEncryptionMode: SSE-KMS, KmsKeyArn: !GetAtt Key.Arn}
        JobBookmarksEncryption: {JobBookmarksEncryptionMode: CSE-KMS, KmsKeyArn: !GetAtt Key.Arn}
Outputs:
  Security: {Value: !Ref Security}
  KeyArn: {Value: !GetAtt Key.Arn}
""",
    KEY,
)


def test_glue_security_configuration_is_created_and_deleted(client):
    glue = client("glue")
    out = create(client, "glue-security", GLUE_SECURITY_CONFIGURATION)
    assert out["Security"] == "lake-security"
    encryption = glue.get_security_configuration(Name="lake-security")["SecurityConfiguration"][
        "EncryptionConfiguration"
    ]
    key = out["KeyArn"]
    assert encryption["S3Encryption"] == [{"S3EncryptionMode": "SSE-KMS", "KmsKeyArn": key}]
    assert encryption["CloudWatchEncryption"] == {"CloudWatchEncryptionMode": "SSE-KMS", "KmsKeyArn": key}
    assert encryption["JobBookmarksEncryption"] == {"JobBookmarksEncryptionMode": "CSE-KMS", "KmsKeyArn": key}

    delete(client, "glue-security")
    missing(glue.get_security_configuration, Name="lake-security")


GLUE_JOB = with_resources(
    """
Parameters:
  CodeVersion: {Type: String}
  Workers: {Type: Number, Default: 2}
Resources:
  Security:
    Type: AWS::Glue::SecurityConfiguration
    Properties:
      Name: job-security
      EncryptionConfiguration:
        S3Encryptions: [{S3EncryptionMode: SSE-S3}]
  Job:
    Type: AWS::Glue::Job
    Properties:
      Name: lake-bronze
      Role: !GetAtt Role.Arn
      Command:
        Name: glueetl
        PythonVersion: 3
        ScriptLocation: !Sub s3://artifacts/code/${CodeVersion}/jobs/bronze_job.py
      GlueVersion: "5.1"
      WorkerType: G.1X
      NumberOfWorkers: !Ref Workers
      MaxRetries: 0
      Timeout: 60
      ExecutionProperty: {MaxConcurrentRuns: 3}
      SecurityConfiguration: !Ref Security
      DefaultArguments:
        --datalake-formats: delta
        --extra-py-files: !Sub s3://artifacts/code/${CodeVersion}/lakehouse.zip
        --enable-metrics: true
      Tags: {layer: bronze}
Outputs:
  Job: {Value: !Ref Job}
""",
    role("glue.amazonaws.com"),
)


def test_glue_job_takes_every_property_and_a_new_code_version_updates_it_in_place(client):
    glue = client("glue")
    out = create(client, "glue-job", GLUE_JOB, CodeVersion="v1")
    assert out["Job"] == "lake-bronze"
    job = glue.get_job(JobName="lake-bronze")["Job"]
    assert job["Role"].startswith(f"arn:aws:iam::{ACCOUNT}:role/")
    assert job["Command"] == {
        "Name": "glueetl",
        "PythonVersion": "3",
        "ScriptLocation": "s3://artifacts/code/v1/jobs/bronze_job.py",
    }
    assert job["DefaultArguments"] == {
        "--datalake-formats": "delta",
        "--extra-py-files": "s3://artifacts/code/v1/lakehouse.zip",
        "--enable-metrics": "true",
    }
    assert (job["GlueVersion"], job["WorkerType"], job["NumberOfWorkers"]) == ("5.1", "G.1X", 2)
    assert (job["MaxRetries"], job["Timeout"], job["ExecutionProperty"]) == (0, 60, {"MaxConcurrentRuns": 3})
    assert job["SecurityConfiguration"] == "job-security"
    assert glue.get_tags(ResourceArn=f"arn:aws:glue:{REGION}:{ACCOUNT}:job/lake-bronze")["Tags"] == {
        "layer": "bronze"
    }

    # Same template, another CodeVersion: only the job's !Sub strings name the parameter.
    update(client, "glue-job", GLUE_JOB, CodeVersion="v2")
    job = glue.get_job(JobName="lake-bronze")["Job"]
    assert job["Command"]["ScriptLocation"] == "s3://artifacts/code/v2/jobs/bronze_job.py"
    assert job["DefaultArguments"]["--extra-py-files"] == "s3://artifacts/code/v2/lakehouse.zip"

    delete(client, "glue-job")
    missing(glue.get_job, JobName="lake-bronze")
    missing(glue.get_security_configuration, Name="job-security")


GLUE_CRAWLER = """
Parameters:
  UpdateBehavior: {Type: String}
Resources:
  Database:
    Type: AWS::Glue::Database
    Properties:
      CatalogId: !Ref AWS::AccountId
      DatabaseInput: {Name: crawled_gold}
  Crawler:
    Type: AWS::Glue::Crawler
    Properties:
      Name: lake-delta
      Role: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:role/crawler
      DatabaseName: !Ref Database
      Targets:
        DeltaTargets:
          - DeltaTables: [s3://warehouse/gold/daily_sales/]
            WriteManifest: false
            CreateNativeDeltaTable: true
      SchemaChangePolicy: {UpdateBehavior: !Ref UpdateBehavior, DeleteBehavior: LOG}
Outputs:
  Crawler: {Value: !Ref Crawler}
"""


def test_glue_crawler_with_delta_targets_is_created_updated_and_deleted(client):
    glue = client("glue")
    out = create(client, "glue-crawler", GLUE_CRAWLER, UpdateBehavior="UPDATE_IN_DATABASE")
    assert out["Crawler"] == "lake-delta"
    crawler = glue.get_crawler(Name="lake-delta")["Crawler"]
    assert crawler["Role"] == f"arn:aws:iam::{ACCOUNT}:role/crawler"
    assert crawler["DatabaseName"] == "crawled_gold"
    assert crawler["Targets"]["DeltaTargets"] == [
        {
            "DeltaTables": ["s3://warehouse/gold/daily_sales/"],
            "WriteManifest": False,
            "CreateNativeDeltaTable": True,
        }
    ]

    update(client, "glue-crawler", GLUE_CRAWLER, UpdateBehavior="LOG")
    assert glue.get_crawler(Name="lake-delta")["Crawler"]["SchemaChangePolicy"]["UpdateBehavior"] == "LOG"

    delete(client, "glue-crawler")
    missing(glue.get_crawler, Name="lake-delta")


ATHENA_WORKGROUP = """
Parameters:
  Description: {Type: String}
Resources:
  WorkGroup:
    Type: AWS::Athena::WorkGroup
    Properties:
      Name: lake-queries
      Description: !Ref Description
      State: ENABLED
      RecursiveDeleteOption: true
      WorkGroupConfiguration:
        EnforceWorkGroupConfiguration: true
        PublishCloudWatchMetricsEnabled: true
        EngineVersion: {SelectedEngineVersion: Athena engine version 3}
        ResultConfiguration:
          OutputLocation: s3://athena-results/results/
          EncryptionConfiguration: {EncryptionOption: SSE_KMS, KmsKey: my-key}
Outputs:
  WorkGroup: {Value: !Ref WorkGroup}
"""


def test_athena_workgroup_is_created_updated_and_deleted(client):
    athena = client("athena")
    out = create(client, "athena-wg", ATHENA_WORKGROUP, Description="validation")
    assert out["WorkGroup"] == "lake-queries"
    group = athena.get_work_group(WorkGroup="lake-queries")["WorkGroup"]
    assert (group["State"], group["Description"]) == ("ENABLED", "validation")
    configuration = group["Configuration"]
    assert configuration["ResultConfiguration"] == {
        "OutputLocation": "s3://athena-results/results/",
        "EncryptionConfiguration": {"EncryptionOption": "SSE_KMS", "KmsKey": "my-key"},
    }
    assert configuration["EnforceWorkGroupConfiguration"] is True
    assert configuration["EngineVersion"]["SelectedEngineVersion"] == "Athena engine version 3"

    update(client, "athena-wg", ATHENA_WORKGROUP, Description="analytics")
    assert athena.get_work_group(WorkGroup="lake-queries")["WorkGroup"]["Description"] == "analytics"

    delete(client, "athena-wg")
    assert "lake-queries" not in [g["Name"] for g in athena.list_work_groups()["WorkGroups"]]


# ---------------------------------------------------------------- state machines

STATE_MACHINE = with_resources(
    """
Parameters:
  Greeting: {Type: String}
  Limit: {Type: Number, Default: 3}
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties: {LogGroupName: !Sub "/aws/vendedlogs/states/${AWS::StackName}"}
  Machine:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      StateMachineName: !Sub ${AWS::StackName}-machine
      StateMachineType: STANDARD
      RoleArn: !GetAtt Role.Arn
      Definition:
        StartAt: Configure
        States:
          Configure:
            Type: Pass
            Parameters:
              greeting: ${Greeting}
              limit.$: States.StringToJson('${Limit}')
              enabled.$: States.StringToJson('${Enabled}')
              region: ${Region}
              untouched: ${NotASubstitution}
            ResultPath: $.config
            Next: Discard
          Discard:
            Type: Pass
            Result: {discarded: true}
            ResultPath: null
            Next: Done
          Done: {Type: Succeed}
      DefinitionSubstitutions:
        Greeting: !Ref Greeting
        Limit: !Ref Limit
        Enabled: true
        Region: !Ref AWS::Region
      LoggingConfiguration:
        Level: ERROR
        IncludeExecutionData: false
        Destinations: [{CloudWatchLogsLogGroup: {LogGroupArn: !GetAtt Logs.Arn}}]
      TracingConfiguration: {Enabled: true}
Outputs:
  Ref: {Value: !Ref Machine}
  Arn: {Value: !GetAtt Machine.Arn}
  Name: {Value: !GetAtt Machine.Name}
""",
    role("states.amazonaws.com"),
)


def test_state_machine_definition_object_gets_its_substitutions(client):
    out = create(client, "sfn-definition", STATE_MACHINE, Greeting="hello")
    arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:sfn-definition-machine"
    assert (out["Ref"], out["Arn"], out["Name"]) == (arn, arn, "sfn-definition-machine")
    machine = client("stepfunctions").describe_state_machine(stateMachineArn=arn)
    assert json.loads(machine["definition"])["States"]["Configure"]["Parameters"] == {
        "greeting": "hello",
        "limit.$": "States.StringToJson('3')",
        "enabled.$": "States.StringToJson('true')",
        "region": REGION,
        "untouched": "${NotASubstitution}",  # not a substitution: left as written, as AWS does
    }
    assert machine["loggingConfiguration"]["level"] == "ERROR"
    assert machine["loggingConfiguration"]["destinations"][0]["cloudWatchLogsLogGroup"]["logGroupArn"] == (
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/vendedlogs/states/sfn-definition:*"
    )
    assert machine["tracingConfiguration"] == {"enabled": True}
    delete(client, "sfn-definition")
    missing(
        client("stepfunctions").describe_state_machine, error="StateMachineDoesNotExist", stateMachineArn=arn
    )


def test_state_machine_of_a_stack_executes(client):
    arn = create(client, "sfn-executes", STATE_MACHINE, Greeting="hello")["Arn"]
    result = run(client, arn, {"file": "a.csv"})
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == {
        "file": "a.csv",
        "config": {
            "greeting": "hello",
            "limit": 3,
            "enabled": True,
            "region": REGION,
            "untouched": "${NotASubstitution}",
        },
    }
    delete(client, "sfn-executes")


def test_null_in_a_definition_is_kept(client):
    arn = create(client, "sfn-null", STATE_MACHINE, Greeting="hello")["Arn"]
    sfn = client("stepfunctions")
    definition = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])
    assert definition["States"]["Discard"]["ResultPath"] is None
    output = json.loads(run(client, arn, {"file": "a.csv"})["output"])
    assert "discarded" not in output  # ResultPath null: the Pass state's result is thrown away
    assert output["file"] == "a.csv"
    delete(client, "sfn-null")


def test_state_machine_update_changes_the_definition(client):
    arn = create(client, "sfn-update", STATE_MACHINE, Greeting="hello")["Arn"]
    assert update(client, "sfn-update", STATE_MACHINE, Greeting="goodbye")["Arn"] == arn
    sfn = client("stepfunctions")
    definition = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])
    assert definition["States"]["Configure"]["Parameters"]["greeting"] == "goodbye"
    assert json.loads(run(client, arn, {})["output"])["config"]["greeting"] == "goodbye"
    delete(client, "sfn-update")


DEFINITION_STRING = """
Resources:
  Machine:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: !GetAtt Role.Arn
      DefinitionString: >-
        {"StartAt": "Done",
         "States": {"Done": {"Type": "Pass", "Result": {"value": "${Value}"}, "End": true}}}
      DefinitionSubstitutions: {Value: from-a-string}
Outputs:
  Arn: {Value: !Ref Machine}
"""


def test_state_machine_definition_string_gets_its_substitutions(client):
    template = with_resources(DEFINITION_STRING, role("states.amazonaws.com"))
    arn = create(client, "sfn-string", template)["Arn"]
    assert json.loads(run(client, arn, {})["output"]) == {"value": "from-a-string"}
    delete(client, "sfn-string")


# ---------------------------------------------------------------- template language

INTRINSICS = with_resources(
    """
Parameters:
  Environment: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Environment, prod]
  NotProd: !Not [!Condition IsProd]
Resources:
  Topic:
    Type: AWS::SNS::Topic
  Queue:
    Type: AWS::SQS::Queue
  Logs:
    Type: AWS::Logs::LogGroup
    Properties: {LogGroupName: !Sub "${AWS::StackName}-logs"}
Outputs:
  Kind: {Value: !If [NotProd, not-prod, prod]}
  Listed: {Value: !Join [",", [first, !If [IsProd, second, !Ref AWS::NoValue], third]]}
  TopicName: {Value: !GetAtt [Topic, TopicName]}
  TopicRef: {Value: !Ref Topic}
  TopicArn: {Value: !GetAtt Topic.TopicArn}
  KeyRef: {Value: !Ref Key}
  KeyId: {Value: !GetAtt Key.KeyId}
  QueueRef: {Value: !Ref Queue}
  QueueUrl: {Value: !GetAtt Queue.QueueUrl}
  LogsArn: {Value: !GetAtt Logs.Arn}
  Pseudo: {Value: !Sub "${AWS::Partition}/${AWS::Region}/${AWS::AccountId}"}
""",
    KEY,
)


def test_condition_short_form_and_no_value_in_a_list(client):
    assert create(client, "yaml-prod", INTRINSICS, Environment="prod")["Kind"] == "prod"
    out = create(client, "yaml-dev", INTRINSICS, Environment="dev")
    assert out["Kind"] == "not-prod"
    assert out["Listed"] == "first,third"
    delete(client, "yaml-prod")
    delete(client, "yaml-dev")


def test_get_att_attributes_and_pseudo_parameters(client):
    out = create(client, "attributes", INTRINSICS, Environment="dev")
    assert out["TopicArn"] == out["TopicRef"]
    assert out["TopicRef"].endswith(f":{out['TopicName']}")
    assert out["KeyId"] == out["KeyRef"]
    assert out["QueueUrl"] == out["QueueRef"]
    assert out["LogsArn"] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:attributes-logs:*"
    assert out["Pseudo"] == f"aws/{REGION}/{ACCOUNT}"
    delete(client, "attributes")


CONDITIONAL = """
Parameters:
  WithQueue: {Type: String, Default: "false"}
Conditions:
  HasQueue: !Equals [!Ref WithQueue, "true"]
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Condition: HasQueue
  Topic:
    Type: AWS::SNS::Topic
"""


def test_a_conditional_resource_not_created_is_not_listed(client):
    create(client, "conditional", CONDITIONAL)
    cfn = client("cloudformation")
    listed = cfn.describe_stack_resources(StackName="conditional")["StackResources"]
    assert [(r["LogicalResourceId"], r["ResourceType"]) for r in listed] == [("Topic", "AWS::SNS::Topic")]
    detail = cfn.describe_stack_resource(StackName="conditional", LogicalResourceId="Topic")
    assert detail["StackResourceDetail"]["ResourceType"] == "AWS::SNS::Topic"
    delete(client, "conditional")


# ---------------------------------------------------------------- buckets, policies, subscriptions, alarms

BUCKET = with_resources(
    """
Parameters:
  EventBridge: {Type: String}
  ArchiveDays: {Type: Number}
Conditions:
  WithEventBridge: !Equals [!Ref EventBridge, "true"]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: {SSEAlgorithm: aws:kms, KMSMasterKeyID: !GetAtt Key.Arn}
            BucketKeyEnabled: true
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        BlockPublicPolicy: true
        IgnorePublicAcls: true
        RestrictPublicBuckets: true
      OwnershipControls:
        Rules: [{ObjectOwnership: BucketOwnerEnforced}]
      VersioningConfiguration: {Status: Enabled}
      NotificationConfiguration: !If
        - WithEventBridge
        - EventBridgeConfiguration: {EventBridgeEnabled: true}
        - !Ref AWS::NoValue
      LifecycleConfiguration:
        Rules:
          - Id: archived
            Status: Enabled
            Prefix: archived/
            Transitions: [{StorageClass: STANDARD_IA, TransitionInDays: 30}]
            ExpirationInDays: !Ref ArchiveDays
          - Id: old-versions
            Status: Enabled
            NoncurrentVersionExpiration: {NoncurrentDays: 90}
          - Id: uploads
            Status: Enabled
            AbortIncompleteMultipartUpload: {DaysAfterInitiation: 7}
      Tags: [{Key: zone, Value: !Ref ArchiveDays}]
Outputs:
  Bucket: {Value: !Ref Bucket}
  KeyArn: {Value: !GetAtt Key.Arn}
""",
    KEY,
)


def test_bucket_settings_are_applied_and_updated(client):
    s3 = client("s3")
    out = create(client, "bucket", BUCKET, EventBridge="true", ArchiveDays=365)
    bucket = out["Bucket"]
    notification = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert notification["EventBridgeConfiguration"] == {}
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    assert s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"] == {
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]
    }
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"] == [
        {
            "ApplyServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms",
                "KMSMasterKeyID": out["KeyArn"],
            },
            "BucketKeyEnabled": True,
        }
    ]
    rules = {rule["ID"]: rule for rule in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    assert rules["archived"]["Filter"] == {"Prefix": "archived/"}
    assert rules["archived"]["Expiration"] == {"Days": 365}
    assert rules["archived"]["Transitions"] == [{"Days": 30, "StorageClass": "STANDARD_IA"}]
    assert rules["old-versions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 90}
    assert rules["uploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}

    # The bucket's name is generated (no BucketName): moto's own in-place update fails on that.
    update(client, "bucket", BUCKET, EventBridge="false", ArchiveDays=30)
    assert "EventBridgeConfiguration" not in s3.get_bucket_notification_configuration(Bucket=bucket)
    rules = {rule["ID"]: rule for rule in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    assert rules["archived"]["Expiration"] == {"Days": 30}
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "zone", "Value": "30"}]

    delete(client, "bucket")
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


ATTACHMENTS = """
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  TlsOnly:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Statement:
          - Effect: Deny
            Principal: "*"
            Action: s3:*
            Resource: [!GetAtt Bucket.Arn, !Sub "${Bucket.Arn}/*"]
            Condition: {Bool: {aws:SecureTransport: "false"}}
  Queue:
    Type: AWS::SQS::Queue
  QueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: events.amazonaws.com}, Action: sqs:SendMessage,
                     Resource: !GetAtt Queue.Arn}]
  Topic:
    Type: AWS::SNS::Topic
  TopicPolicy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics: [!Ref Topic]
      PolicyDocument:
        Statement: [{Sid: Events, Effect: Allow, Principal: {Service: events.amazonaws.com},
                     Action: sns:Publish, Resource: !Ref Topic}]
  Subscription:
    Type: AWS::SNS::Subscription
    Properties: {TopicArn: !Ref Topic, Protocol: email, Endpoint: ops@example.com}
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: undelivered
      Namespace: AWS/SQS
      MetricName: ApproximateNumberOfMessagesVisible
      Dimensions: [{Name: QueueName, Value: !GetAtt Queue.QueueName}]
      Statistic: Maximum
      Period: 300
      EvaluationPeriods: 1
      Threshold: 0
      ComparisonOperator: GreaterThanThreshold
      TreatMissingData: notBreaching
      AlarmActions: [!Ref Topic]
Outputs:
  Bucket: {Value: !Ref Bucket}
  Queue: {Value: !Ref Queue}
  Topic: {Value: !Ref Topic}
  Subscription: {Value: !Ref Subscription}
"""


def test_policies_subscription_and_alarm_are_created(client):
    out = create(client, "attachments", ATTACHMENTS)
    policy = json.loads(
        client("sqs").get_queue_attributes(QueueUrl=out["Queue"], AttributeNames=["Policy"])["Attributes"][
            "Policy"
        ]
    )
    assert policy["Statement"][0]["Action"] == "sqs:SendMessage"
    policy = json.loads(client("sns").get_topic_attributes(TopicArn=out["Topic"])["Attributes"]["Policy"])
    assert [statement["Sid"] for statement in policy["Statement"]] == ["Events"]
    subscriptions = client("sns").list_subscriptions_by_topic(TopicArn=out["Topic"])["Subscriptions"]
    assert [(s["SubscriptionArn"], s["Protocol"], s["Endpoint"]) for s in subscriptions] == [
        (out["Subscription"], "email", "ops@example.com")
    ]
    alarm = client("cloudwatch").describe_alarms(AlarmNames=["undelivered"])["MetricAlarms"][0]
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": out["Queue"].rsplit("/", 1)[-1]}]
    assert alarm["AlarmActions"] == [out["Topic"]]
    # The TLS-only bucket policy is set on the bucket; requests count as TLS, so it denies nothing.
    bucket_policy = json.loads(client("s3").get_bucket_policy(Bucket=out["Bucket"])["Policy"])
    assert bucket_policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    client("s3").put_object(Bucket=out["Bucket"], Key="raw/a.csv", Body=b"a\n")
    client("s3").delete_object(Bucket=out["Bucket"], Key="raw/a.csv")

    delete(client, "attachments")
    assert out["Subscription"] not in [
        s["SubscriptionArn"] for s in client("sns").list_subscriptions()["Subscriptions"]
    ]
    assert client("cloudwatch").describe_alarms(AlarmNames=["undelivered"])["MetricAlarms"] == []


# ---------------------------------------------------------------- the project's template


def test_the_real_template_deploys_updates_and_deletes(client):
    template = package(template_path().read_text(encoding="utf-8"), asl_path().read_text(encoding="utf-8"))
    started = time.monotonic()
    out = create(client, "lakehouse-test", template, Environment="test", CodeVersion="v1")
    print(f"\nreal template: stack created in {time.monotonic() - started:.2f}s")
    glue, sfn, s3 = client("glue"), client("stepfunctions"), client("s3")

    unconditional = {
        name: resource["Type"]
        for name, resource in json.loads(template)["Resources"].items()
        if "Condition" not in resource  # the conditional ones are off with the default parameters
    }
    listed = client("cloudformation").describe_stack_resources(StackName="lakehouse-test")["StackResources"]
    assert {r["LogicalResourceId"]: r["ResourceType"] for r in listed} == unconditional

    databases = {"test_bronze", "test_silver", "test_gold"}
    assert databases <= {d["Name"] for d in glue.get_databases()["DatabaseList"]}
    jobs = {job["Name"]: job for job in glue.get_jobs()["Jobs"] if job["Name"].startswith("lakehouse-test-")}
    assert sorted(jobs) == ["lakehouse-test-bronze", "lakehouse-test-gold", "lakehouse-test-silver"]
    for layer in ("bronze", "silver", "gold"):
        job = jobs[f"lakehouse-test-{layer}"]
        assert job["Command"]["ScriptLocation"].startswith(f"s3://{out['ArtifactsBucket']}/code/v1/")
        arguments = job["DefaultArguments"]
        assert arguments["--datalake-formats"] == "delta"
        assert arguments["--extra-py-files"] == f"s3://{out['ArtifactsBucket']}/code/v1/lakehouse.zip"
        assert (
            arguments["--extra-jars"] == f"s3://{out['ArtifactsBucket']}/code/v1/jars/lakehouse-logstore.jar"
        )
        assert "spark.lakehouse.logStore.region=us-east-1" in arguments["--conf"]
        assert job["MaxRetries"] == 0
        assert job["SecurityConfiguration"] == "lakehouse-test"
    assert glue.get_security_configuration(Name="lakehouse-test")["SecurityConfiguration"]["Name"] == (
        "lakehouse-test"
    )
    missing(glue.get_crawler, Name="lakehouse-test-delta")  # EnableCrawler is "false"
    group = client("athena").get_work_group(WorkGroup=out["AthenaWorkGroup"])["WorkGroup"]
    assert group["Configuration"]["ResultConfiguration"]["OutputLocation"] == (
        f"s3://{out['AthenaResultsBucket']}/results/"
    )

    machine = sfn.describe_state_machine(stateMachineArn=out["StateMachineArn"])
    assert machine["name"] == "lakehouse-test-pipeline"
    assert "${" not in machine["definition"]
    asl = json.loads(asl_path().read_text(encoding="utf-8"))
    definition = json.loads(machine["definition"])
    assert definition["StartAt"] == asl["StartAt"]
    assert definition["States"].keys() == asl["States"].keys()
    assert machine["definition"].count("null") == json.dumps(asl).count("null")
    assert out["LockTable"] in machine["definition"]
    assert out["RawBucket"] in machine["definition"]

    rules = client("events").list_rules(NamePrefix="lakehouse-test-raw-object-created")["Rules"]
    assert json.loads(rules[0]["EventPattern"])["detail"]["bucket"]["name"] == [out["RawBucket"]]
    [target] = client("events").list_targets_by_rule(Rule=rules[0]["Name"])["Targets"]
    assert target["Arn"] == out["StateMachineArn"]
    assert target["RoleArn"].endswith(":role/lakehouse-test-trigger")
    assert target["DeadLetterConfig"]["Arn"].endswith(":lakehouse-test-trigger-dlq")
    assert "RetryPolicy" in target

    dynamodb = client("dynamodb")
    assert dynamodb.describe_table(TableName=out["LockTable"])["Table"]["TableStatus"] == "ACTIVE"
    topic = client("sns").get_topic_attributes(TopicArn=out["AlertTopicArn"])["Attributes"]
    assert topic["TopicArn"] == out["AlertTopicArn"]
    assert "EventBridgeConfiguration" in s3.get_bucket_notification_configuration(Bucket=out["RawBucket"])
    # Outside raw/: no pipeline run is triggered. The bucket takes objects and encrypts them.
    s3.put_object(Bucket=out["RawBucket"], Key="landing/probe.csv", Body=b"a\n")
    probe = s3.head_object(Bucket=out["RawBucket"], Key="landing/probe.csv")
    assert probe["ServerSideEncryption"] == "aws:kms"
    s3.delete_object(Bucket=out["RawBucket"], Key="landing/probe.csv")

    update(client, "lakehouse-test", template, Environment="test", CodeVersion="v2")
    for name in jobs:
        job = glue.get_job(JobName=name)["Job"]
        assert job["Command"]["ScriptLocation"].startswith(f"s3://{out['ArtifactsBucket']}/code/v2/")
    assert "code/v2" in sfn.describe_state_machine(stateMachineArn=out["StateMachineArn"])["definition"]

    delete(client, "lakehouse-test")
    assert not set(jobs) & {job["Name"] for job in glue.get_jobs()["Jobs"]}
    assert not databases & {d["Name"] for d in glue.get_databases()["DatabaseList"]}
    missing(
        sfn.describe_state_machine, error="StateMachineDoesNotExist", stateMachineArn=out["StateMachineArn"]
    )
    assert client("events").list_rules(NamePrefix="lakehouse-test")["Rules"] == []


def change_set(client, stack: str, name: str, kind: str, template: str, **parameters) -> dict:
    """Create a change set and return its description (moto answers at once)."""
    cfn = client("cloudformation")
    cfn.create_change_set(
        StackName=stack,
        ChangeSetName=name,
        ChangeSetType=kind,
        TemplateBody=template,
        Parameters=[{"ParameterKey": key, "ParameterValue": str(value)} for key, value in parameters.items()],
    )
    return cfn.describe_change_set(StackName=stack, ChangeSetName=name)


def test_change_sets_create_and_update_the_stack_with_its_outputs_and_run_once(client):
    cfn, glue = client("cloudformation"), client("glue")
    created = change_set(
        client, "glue-cs", "first", "CREATE", GLUE_DATABASE, Name="cs_bronze", Description="first"
    )
    assert cfn.describe_stacks(StackName="glue-cs")["Stacks"][0]["StackStatus"] == "REVIEW_IN_PROGRESS"
    cfn.execute_change_set(StackName="glue-cs", ChangeSetName=created["ChangeSetName"])
    stack = cfn.describe_stacks(StackName="glue-cs")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]} == {"Database": "cs_bronze"}
    assert glue.get_database(Name="cs_bronze")["Database"]["Description"] == "first"
    with pytest.raises(ClientError, match="cannot be executed"):
        cfn.execute_change_set(StackName="glue-cs", ChangeSetName=created["ChangeSetName"])

    same = change_set(
        client, "glue-cs", "same", "UPDATE", GLUE_DATABASE, Name="cs_bronze", Description="first"
    )
    assert same["Status"] == "FAILED" and "didn't contain changes" in same["StatusReason"]

    renamed = change_set(
        client, "glue-cs", "renamed", "UPDATE", GLUE_DATABASE, Name="cs_silver", Description="first"
    )
    cfn.execute_change_set(StackName="glue-cs", ChangeSetName=renamed["ChangeSetName"])
    stack = cfn.describe_stacks(StackName="glue-cs")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert stack["Outputs"][0]["OutputValue"] == "cs_silver"
    assert "cs_silver" in {d["Name"] for d in glue.get_databases()["DatabaseList"]}
