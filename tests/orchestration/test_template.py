"""orchestration/template.yaml and its packaging: pure Python, no AWS."""

from __future__ import annotations

import fnmatch
import json
import re

import pytest
from cfnlint.decode.cfn_yaml import loads

from orchestration.package import asl_path, package, template_path
from shared.runs import reason_uri

SUBSTITUTIONS = {
    "RawBucket",
    "DwhBucket",
    "ArtifactsBucket",
    "CodePrefix",
    "BronzeJob",
    "SilverJob",
    "GoldJob",
    "LockTable",
    "AlertTopic",
    "AthenaWorkGroup",
    "AthenaDatabase",
    "CrawlerName",
    "RunCrawler",
    "MapConcurrency",
    "JobTimeoutSeconds",
    "Environment",
}
# The state machine's log delivery: AWS authorises these on Resource "*" only.
LOG_DELIVERY_ACTIONS = {
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}
# Actions AWS only authorises on Resource "*" (commented as such in the template).
STAR_RESOURCE_ONLY = LOG_DELIVERY_ACTIONS | {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "cloudwatch:PutMetricData",
}
ACCOUNT_ROOT = "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"
PLACEHOLDER_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Environment:
    Type: String
Resources:
  Machine:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:role/x
      Definition:
        StartAt: NotPackaged
        States:
          NotPackaged: {Type: Fail, Error: NotPackaged}
      DefinitionSubstitutions:
        Environment: !Ref Environment
"""
ASL = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed", "Comment": "${Environment}"}}}


@pytest.fixture(scope="module")
def template():
    return loads(template_path().read_text(encoding="utf-8"))


def resources(template, kind):
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def as_list(value):
    return value if isinstance(value, list) else [value]


def statements(document):
    """The statements of a policy document; both branches of a conditional (Fn::If) statement."""
    for statement in as_list(document["Statement"]):
        if "Fn::If" in statement:
            yield from (s for s in statement["Fn::If"][1:] if "Effect" in s)
        else:
            yield statement


def role_statements(template):
    for name, role in resources(template, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            for statement in statements(policy["PolicyDocument"]):
                yield name, statement


def test_the_template_parses(template):
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"
    assert {"Environment", "CodeVersion", "MapConcurrency", "EnableCrawler"} <= set(template["Parameters"])


def test_the_state_machine_has_every_substitution_and_the_placeholder(template):
    (machine,) = resources(template, "AWS::StepFunctions::StateMachine").values()
    props = machine["Properties"]
    assert set(props["DefinitionSubstitutions"]) == SUBSTITUTIONS
    assert props["Definition"]["StartAt"] == "NotPackaged"
    assert props["LoggingConfiguration"]["Level"] == "ERROR"


def test_every_substitution_the_asl_uses_is_defined():
    if not asl_path().exists():
        pytest.skip("orchestration/statemachine.asl.json is not there yet")
    used = set(re.findall(r"\$\{([^}]+)\}", asl_path().read_text(encoding="utf-8")))
    assert used <= SUBSTITUTIONS, f"undefined in DefinitionSubstitutions: {used - SUBSTITUTIONS}"


def test_no_role_allows_a_wildcard_action(template):
    for name, statement in role_statements(template):
        for action in as_list(statement["Action"]):
            assert "*" not in action, f"{name}: {action}"


def test_only_resource_star_only_actions_get_resource_star(template):
    for name, statement in role_statements(template):
        if "*" in as_list(statement["Resource"]):
            assert set(as_list(statement["Action"])) <= STAR_RESOURCE_ONLY, f"{name}: {statement}"
        if "cloudwatch:PutMetricData" in as_list(statement["Action"]):
            assert statement["Condition"]["StringEquals"]["cloudwatch:namespace"] == "Glue"


def test_resource_policies_use_wildcard_actions_only_to_deny_or_for_the_key_admin(template):
    documents = [(n, r["Properties"]["KeyPolicy"]) for n, r in resources(template, "AWS::KMS::Key").items()]
    for kind in ("AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy"):
        documents += [(n, r["Properties"]["PolicyDocument"]) for n, r in resources(template, kind).items()]
    for name, document in documents:
        for statement in statements(document):
            wildcard = any("*" in a for a in as_list(statement["Action"]))
            key_admin = statement.get("Principal") == {"AWS": {"Fn::Sub": ACCOUNT_ROOT}}
            assert not wildcard or statement["Effect"] == "Deny" or key_admin, f"{name}: {statement}"


def test_every_bucket_is_encrypted_private_and_tls_only(template):
    buckets = resources(template, "AWS::S3::Bucket")
    assert len(buckets) == 4
    tls_only = set()
    for policy in resources(template, "AWS::S3::BucketPolicy").values():
        for statement in statements(policy["Properties"]["PolicyDocument"]):
            if statement["Effect"] == "Deny" and statement["Condition"] == {
                "Bool": {"aws:SecureTransport": "false"}
            }:
                assert len(statement["Resource"]) == 2  # the bucket and its objects
                tls_only.add(policy["Properties"]["Bucket"]["Ref"])
    for name, bucket in buckets.items():
        props = bucket["Properties"]
        (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms", name
        assert rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == {"Fn::GetAtt": ["Key", "Arn"]}
        assert all(props["PublicAccessBlockConfiguration"].values()), name
        assert len(props["PublicAccessBlockConfiguration"]) == 4, name
        assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
        assert name in tls_only, f"{name} has no TLS-only policy"
    raw = buckets["RawBucket"]["Properties"]
    assert raw["NotificationConfiguration"]["EventBridgeConfiguration"]["EventBridgeEnabled"] is True


def test_the_state_machine_logs_and_traces_every_execution(template):
    (machine,) = resources(template, "AWS::StepFunctions::StateMachine").values()
    logging = machine["Properties"]["LoggingConfiguration"]
    assert logging["Level"] in ("ERROR", "ALL")
    assert logging["IncludeExecutionData"] is False  # no row data in the logs
    (destination,) = logging["Destinations"]
    group = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    assert template["Resources"][group]["Type"] == "AWS::Logs::LogGroup"
    assert "RetentionInDays" in template["Resources"][group]["Properties"]
    assert machine["Properties"]["TracingConfiguration"] == {"Enabled": True}


def test_the_state_machine_takes_no_object_key_from_its_triggering_event():
    """An upload only starts an execution: the files come from listing raw/<dataset>/ (Detect) and
    from bronze's manifest of the files it checked (Archive), never from the event's object key,
    so a crafted key cannot point a job or a move at another zone."""
    text = asl_path().read_text()
    paths = set(re.findall(r'"(\$\$?[^"]*)"', text))
    assert not [p for p in paths if p.startswith("$$.Execution.Input") or p.startswith("$.detail")]
    assert "detail.object" not in text and '"Key.$": "$.detail' not in text


def test_glue_jobs_leave_retries_to_step_functions_and_use_the_delta_log_store(template):
    jobs = resources(template, "AWS::Glue::Job")
    assert set(jobs) == {"BronzeJob", "SilverJob", "GoldJob"}
    for name, job in jobs.items():
        props = job["Properties"]
        layer = name.removesuffix("Job").lower()
        assert props["Command"]["ScriptLocation"]["Fn::Sub"].endswith(f"/jobs/{layer}_job.py")
        assert (props["GlueVersion"], props["MaxRetries"]) == ("5.1", 0)
        # As many concurrent runs as a layer's Map starts: more would fail ConcurrentRunsExceeded.
        assert props["ExecutionProperty"]["MaxConcurrentRuns"] == {"Ref": "MapConcurrency"}
        args = props["DefaultArguments"]
        assert args["--datalake-formats"] == "delta"
        conf = args["--conf"]["Fn::Sub"]
        assert conf.startswith("spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension --conf ")
        # Concurrent commits from the Map's job runs: the log store of logstore/, in --extra-jars.
        for scheme in ("s3", "s3a"):
            assert f"spark.delta.logStore.{scheme}.impl=lakehouse.delta.S3ConditionalPutLogStore" in conf
        assert args["--extra-jars"] == {
            "Fn::Sub": "s3://${ArtifactsBucket}/code/${CodeVersion}/jars/lakehouse-logstore.jar"
        }


def test_the_task_timeout_owns_a_job_run_and_the_glue_timeout_never_cuts_it_short(template):
    """Step Functions stops a run whose task timed out; Glue's own Timeout (minutes) is a backstop
    that must not end a run the JobTimeoutSeconds parameter still allows."""
    longest = template["Parameters"]["JobTimeoutSeconds"]["MaxValue"]
    assert longest <= json.loads(asl_path().read_text())["TimeoutSeconds"]
    for name in ("BronzeJob", "SilverJob", "GoldJob"):
        assert template["Resources"][name]["Properties"]["Timeout"] * 60 >= longest


def test_package_inlines_the_asl_in_long_form_json():
    packaged = json.loads(package(PLACEHOLDER_TEMPLATE, json.dumps(ASL)))
    props = packaged["Resources"]["Machine"]["Properties"]
    assert props["Definition"] == ASL
    assert props["DefinitionSubstitutions"] == {"Environment": {"Ref": "Environment"}}
    assert props["RoleArn"] == {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/x"}


def test_package_of_the_real_template_keeps_everything_but_the_placeholder(template):
    packaged = json.loads(package(template_path().read_text(encoding="utf-8"), json.dumps(ASL)))
    assert packaged["Resources"]["StateMachine"]["Properties"]["Definition"] == ASL
    assert set(packaged["Resources"]) == set(template["Resources"])
    assert packaged["Outputs"] == json.loads(json.dumps(template["Outputs"]))


def test_package_refuses_a_template_without_the_placeholder():
    finished = PLACEHOLDER_TEMPLATE.replace("StartAt: NotPackaged", "StartAt: Elsewhere")
    with pytest.raises(ValueError, match="placeholder"):
        package(finished, json.dumps(ASL))


@pytest.mark.parametrize("asl", ["{not json", "[]", '{"StartAt": "x"}'])
def test_package_refuses_what_is_not_an_asl_document(asl):
    with pytest.raises(ValueError, match="state machine definition"):
        package(PLACEHOLDER_TEMPLATE, asl)


def sub(value, names: dict[str, str]) -> str:
    """A !Sub string (or a plain one) with the names given replaced."""
    text = value["Fn::Sub"] if isinstance(value, dict) else value
    for name, replacement in names.items():
        text = text.replace("${" + name + "}", replacement)
    return text


def allowed(template, role: str, action: str, arn: str) -> bool:
    """Whether one of the role's Allow statements names the action and matches the ARN."""
    names = {
        "RawBucket.Arn": "arn:aws:s3:::raw-bucket",
        "RawBucket": "raw-bucket",
        "DwhBucket.Arn": "arn:aws:s3:::dwh-bucket",
        "AWS::Partition": "aws",
        "AWS::Region": "us-east-1",
        "AWS::AccountId": "123456789012",
        "Environment": "dev",
    }
    return any(
        statement["Effect"] == "Allow"
        and action in as_list(statement["Action"])
        and any(fnmatch.fnmatchcase(arn, sub(r, names)) for r in as_list(statement["Resource"]))
        for name, statement in role_statements(template)
        if name == role
    )


def test_the_glue_role_may_write_the_quarantine_reasons_bronze_writes(template):
    raw = sub(
        resources(template, "AWS::Glue::Job")["BronzeJob"]["Properties"]["DefaultArguments"]["--raw"],
        {"RawBucket": "raw-bucket"},
    )
    uri = reason_uri(raw, "20260101T000000Z-abc", "orders/a file+%#é.csv")
    assert uri.startswith("s3://raw-bucket/quarantine/")
    arn = "arn:aws:s3:::" + uri.removeprefix("s3://")
    assert allowed(template, "GlueJobRole", "s3:PutObject", arn)
    assert not allowed(template, "GlueJobRole", "s3:PutObject", "arn:aws:s3:::raw-bucket/raw/orders/a.csv")


def test_the_jobs_do_not_ask_for_the_glue_catalog_in_spark(template):
    """The jobs read Delta by path and register tables through the Glue API; Spark's Glue catalog
    client would need glue:CreateDatabase on `default` at session start."""
    for job in resources(template, "AWS::Glue::Job").values():
        assert "--enable-glue-datacatalog" not in job["Properties"]["DefaultArguments"]
    resources_named = [json.dumps(s.get("Resource")) for _, s in role_statements(template)]
    assert not [r for r in resources_named if "database/default" in r]


def test_the_pipeline_role_may_run_the_archive_distributed_map(template):
    """A Distributed Map starts child executions of its own state machine, follows and stops them,
    and its ItemReader reads the manifest page."""
    maps = [
        state
        for state in _all_states(json.loads(asl_path().read_text())["States"])
        if state.get("ItemProcessor", {}).get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED"
    ]
    assert [m["ItemReader"]["Parameters"]["Bucket"] for m in maps] == ["${DwhBucket}"]
    machine = "arn:aws:states:us-east-1:123456789012:stateMachine:lakehouse-dev-pipeline"
    child = f"arn:aws:states:us-east-1:123456789012:execution:lakehouse-dev-pipeline/{maps[0]['Label']}:1a2b"
    page = "arn:aws:s3:::dwh-bucket/warehouse/_runs/r1/archive/orders/page-00000.json"
    assert allowed(template, "StateMachineRole", "states:StartExecution", machine)
    assert allowed(template, "StateMachineRole", "states:DescribeExecution", child)
    assert allowed(template, "StateMachineRole", "states:StopExecution", child)
    assert allowed(template, "StateMachineRole", "s3:GetObject", page)


def _all_states(states: dict):
    for state in states.values():
        yield state
        for nested in ("ItemProcessor", "Iterator"):
            if nested in state:
                yield from _all_states(state[nested]["States"])
        for branch in state.get("Branches", []):
            yield from _all_states(branch["States"])


def test_a_failed_execution_alerts_even_when_no_catch_saw_it(template):
    rule = resources(template, "AWS::Events::Rule")["RunEndedAbnormallyRule"]["Properties"]
    assert set(rule["EventPattern"]["detail"]["status"]) == {"FAILED", "TIMED_OUT", "ABORTED"}


def test_the_state_machine_has_a_timeout_and_reads_a_cause_only_where_there_is_one():
    asl = json.loads(asl_path().read_text())
    assert 0 < asl["TimeoutSeconds"] <= 86400
    states = asl["States"]
    readers = [
        name for name, state in states.items() if "$.error.Cause" in json.dumps(state.get("Parameters"))
    ]
    assert readers == ["AlertMessage"]
    into = [name for name, state in states.items() if "AlertMessage" in json.dumps(state)]
    assert into == ["ErrorHasCause?"]
    choice = states["ErrorHasCause?"]["Choices"]
    assert choice == [{"Variable": "$.error.Cause", "IsPresent": True, "Next": "AlertMessage"}]


def test_an_archive_page_leaves_nothing_in_the_pages_map_result():
    """A Map's result holds every iteration's output (256 KB at most): a page's iteration must not
    end with its page."""
    archive = json.loads(asl_path().read_text())["States"]["Archive"]["ItemProcessor"]["States"]
    page = archive["ArchivePages"]["ItemProcessor"]
    last = [s for s in page["States"].values() if s.get("End")]
    assert [s.get("OutputPath", "$") for s in last] == [None]
