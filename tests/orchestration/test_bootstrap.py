"""orchestration/bootstrap.yaml: the GitHub OIDC trust and the least privilege of the deploy role and
of CloudFormation's execution role. Pure Python, no AWS."""

from __future__ import annotations

from pathlib import Path

import pytest
from cfnlint.decode.cfn_yaml import loads

from tests.orchestration.test_template import LOG_DELIVERY_ACTIONS

BOOTSTRAP = Path(__file__).resolve().parents[2] / "orchestration" / "bootstrap.yaml"
AUD, SUB = "token.actions.githubusercontent.com:aud", "token.actions.githubusercontent.com:sub"
SUBJECT = "repo:${GitHubRepository}:environment:${Environment}:ref:refs/heads/main"
EXECUTION_ROLE_ARN = {"Fn::GetAtt": ["CloudFormationExecutionRole", "Arn"]}
STACK_ROLES = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/lakehouse-${Environment}-"
# The only statements allowed Resource "*": (resource, Sid) -> (their actions, why).
RESOURCE_STAR_ONLY = {
    ("ExecutionResourceStarOnlyPolicy", "CreateTheStackKey"): (
        {"kms:CreateKey"},
        "there is no key ARN before the key exists",
    ),
    ("ExecutionResourceStarOnlyPolicy", "ListAliases"): (
        {"kms:ListAliases"},
        "ListAliases has no resource type",
    ),
    ("ExecutionResourceStarOnlyPolicy", "GlueSecurityConfigurationAndCrawlerCreation"): (
        {
            "glue:CreateCrawler",
            "glue:CreateSecurityConfiguration",
            "glue:GetSecurityConfiguration",
            "glue:DeleteSecurityConfiguration",
        },
        "security configurations have no ARN; CreateCrawler has no resource type",
    ),
    ("ExecutionResourceStarOnlyPolicy", "StateMachineLogDelivery"): (
        LOG_DELIVERY_ACTIONS | {"logs:DescribeIndexPolicies"},
        "vended-logs delivery and log group lookups have no resource-level permissions",
    ),
    ("ExecutionResourceStarOnlyPolicy", "AlertSubscription"): (
        {"sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes", "sns:Unsubscribe"},
        "SNS defines no subscription resource type",
    ),
    ("ExecutionResourceStarOnlyPolicy", "LakeFormationLookups"): (
        {
            "lakeformation:DescribeResource",
            "lakeformation:ListResources",
            "lakeformation:DescribeLakeFormationIdentityCenterConfiguration",
        },
        "read-only Lake Formation lookups of the Glue database handler, no resource type",
    ),
}
# Resources not named after the environment: (resource, Sid) -> (the resources, why).
NOT_NAMED_AFTER_THE_ENVIRONMENT = {
    ("ExecutionKeyPolicy", "TheStackKey"): (
        {"arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"},
        "no key ARN before the stack creates it; the role reaches only the stack's own resources",
    ),
    ("ExecutionKeyPolicy", "WorkGroupOutputLocationThroughS3"): (
        {"arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"},
        "as TheStackKey, and only through S3",
    ),
    ("DeployRole", "StackKeyThroughS3"): (
        {"arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"},
        "matched by the alias alias/lakehouse-${Environment}, only through S3",
    ),
}
GLUE_CATALOG = "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog"


@pytest.fixture(scope="module")
def template():
    return loads(BOOTSTRAP.read_text(encoding="utf-8"))


def as_list(value):
    return value if isinstance(value, list) else [value]


def resources(template, kind):
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def policy_statements(template):
    """(resource, statement) of every permission policy: roles' inline policies, managed policies."""
    for name, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        documents = [policy["PolicyDocument"] for policy in props.get("Policies", [])]
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            documents.append(props["PolicyDocument"])
        for document in documents:
            for statement in as_list(document["Statement"]):
                yield name, statement


def trust_statements(template, role):
    return as_list(template["Resources"][role]["Properties"]["AssumeRolePolicyDocument"]["Statement"])


def arn_text(resource) -> str:
    """The ARN pattern of a Resource entry: a plain string or the string of its Fn::Sub."""
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        return resource["Fn::Sub"]
    return resource


def test_the_template_parses_with_its_parameters_and_outputs(template):
    params = template["Parameters"]
    assert {"GitHubRepository", "Environment", "CreateOidcProvider", "ExistingOidcProviderArn"} <= set(params)
    assert params["Environment"]["AllowedPattern"] == "^[a-z][a-z0-9]{1,15}$"  # as template.yaml's
    assert "AllowedPattern" in params["GitHubRepository"]
    outputs = {"DeployBucket", "DeployRoleArn", "CloudFormationExecutionRoleArn", "OidcProviderArn"}
    assert set(template["Outputs"]) == outputs


def test_the_oidc_provider_is_created_only_on_request(template):
    (name, provider), *others = resources(template, "AWS::IAM::OIDCProvider").items()
    assert not others
    assert "Condition" in provider, "the provider must depend on CreateOidcProvider"
    assert template["Conditions"][provider["Condition"]] == {
        "Fn::Equals": [{"Ref": "CreateOidcProvider"}, "true"]
    }
    assert provider["Properties"]["Url"] == "https://token.actions.githubusercontent.com"
    assert provider["Properties"]["ClientIdList"] == ["sts.amazonaws.com"]
    (statement,) = trust_statements(template, "DeployRole")
    federated = statement["Principal"]["Federated"]
    assert isinstance(federated, dict) and "Fn::If" in federated, f"not conditional: {federated}"
    condition, created, existing = federated["Fn::If"]
    assert (condition, created, existing) == (
        provider["Condition"],
        {"Ref": name},
        {"Ref": "ExistingOidcProviderArn"},
    )


def test_the_deploy_role_trusts_only_main_of_the_repository_in_its_environment(template):
    (statement,) = trust_statements(template, "DeployRole")
    assert statement["Effect"] == "Allow"
    assert as_list(statement["Action"]) == ["sts:AssumeRoleWithWebIdentity"]
    assert set(statement["Principal"]) == {"Federated"}
    assert set(statement["Condition"]) == {"StringEquals"}, "no StringLike or other operator"
    equals = statement["Condition"]["StringEquals"]
    assert set(equals) == {AUD, SUB}
    assert equals[AUD] == "sts.amazonaws.com"
    subject = arn_text(equals[SUB])
    assert "${GitHubRepository}" in subject
    assert subject.endswith(":ref:refs/heads/main")
    assert "*" not in subject and "?" not in subject
    assert subject == SUBJECT
    assert template["Resources"]["DeployRole"]["Properties"]["MaxSessionDuration"] == 3600


def test_the_execution_role_is_assumable_only_by_cloudformation(template):
    (statement,) = trust_statements(template, "CloudFormationExecutionRole")
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "cloudformation.amazonaws.com"}
    assert as_list(statement["Action"]) == ["sts:AssumeRole"]
    assert statement.get("Condition") == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


def test_no_statement_allows_a_wildcard_action(template):
    for name, statement in policy_statements(template):
        assert "NotAction" not in statement, f"{name}: {statement}"
        for action in as_list(statement["Action"]):
            service, _, verb = action.partition(":")
            assert service and verb and "*" not in action, f"{name}: {action}"


def test_no_statement_denies_or_uses_not_resource(template):
    """Allow only: the least privilege is in what is granted, not in exceptions to a wider grant."""
    for name, statement in policy_statements(template):
        assert statement["Effect"] == "Allow", f"{name}: {statement}"
        assert "NotResource" not in statement and "NotPrincipal" not in statement, f"{name}: {statement}"


def test_resource_star_only_on_allow_listed_statements(template):
    seen = set()
    for name, statement in policy_statements(template):
        if "*" not in as_list(statement["Resource"]):
            continue
        key = (name, statement.get("Sid"))
        assert key in RESOURCE_STAR_ONLY, f"Resource '*' not allow-listed: {key}"
        assert as_list(statement["Resource"]) == ["*"], f"{key}: '*' mixed with ARNs"
        actions, reason = RESOURCE_STAR_ONLY[key]
        assert set(as_list(statement["Action"])) == actions, f"{key}: not the allow-listed actions"
        assert reason
        seen.add(key)
    assert seen == set(RESOURCE_STAR_ONLY), f"stale allow-list entries: {set(RESOURCE_STAR_ONLY) - seen}"


def test_every_other_resource_is_named_after_the_environment(template):
    """Scoped ARNs name this environment (lakehouse-${Environment}..., ${Environment}_<layer>), its
    execution role, or the Glue catalog; the few exceptions are listed with a reason."""
    for name, statement in policy_statements(template):
        listed, _ = NOT_NAMED_AFTER_THE_ENVIRONMENT.get((name, statement.get("Sid")), (set(), ""))
        for resource in as_list(statement["Resource"]):
            arn = arn_text(resource)
            if arn == "*" or arn == EXECUTION_ROLE_ARN or arn == GLUE_CATALOG or arn in listed:
                continue
            assert isinstance(arn, str) and "${Environment}" in arn, f"{name} {statement.get('Sid')}: {arn}"


def test_every_pass_role_names_one_service(template):
    passes = [(n, s) for n, s in policy_statements(template) if "iam:PassRole" in as_list(s["Action"])]
    assert passes
    for name, statement in passes:
        assert as_list(statement["Action"]) == ["iam:PassRole"], f"{name}: PassRole shares its statement"
        service = statement.get("Condition", {}).get("StringEquals", {}).get("iam:PassedToService")
        assert isinstance(service, str) and service.endswith(".amazonaws.com"), f"{name}: {service}"
        assert "*" not in str(statement["Resource"]), f"{name}: {statement['Resource']}"
    services = {(n, s["Condition"]["StringEquals"]["iam:PassedToService"]) for n, s in passes}
    assert services == {
        ("DeployRole", "cloudformation.amazonaws.com"),
        ("ExecutionIamPolicy", "glue.amazonaws.com"),
        ("ExecutionIamPolicy", "states.amazonaws.com"),
        ("ExecutionIamPolicy", "events.amazonaws.com"),
    }
    (deploy,) = [s for n, s in passes if n == "DeployRole"]
    assert deploy["Resource"] == EXECUTION_ROLE_ARN


def test_change_sets_act_as_the_execution_role_and_import_nothing(template):
    (create,) = [
        s for _, s in policy_statements(template) if "cloudformation:CreateChangeSet" in as_list(s["Action"])
    ]
    condition = create.get("Condition", {})
    assert condition.get("StringEquals", {}).get("cloudformation:RoleArn") == EXECUTION_ROLE_ARN
    assert condition.get("Null", {}).get("cloudformation:ImportResourceTypes") == "true", "imports allowed"
    assert arn_text(create["Resource"]).endswith(":stack/lakehouse-${Environment}/*")


def test_the_execution_role_manages_only_the_stacks_roles(template):
    """Its IAM actions reach role/lakehouse-<env>-* only, never the bootstrap's own roles (path
    /lakehouse-bootstrap/), and cannot attach managed policies or change permissions boundaries."""
    for role in resources(template, "AWS::IAM::Role").values():
        assert role["Properties"].get("Path") == "/lakehouse-bootstrap/"
    for name, statement in policy_statements(template):
        if name == "DeployRole":
            continue
        iam_actions = {a for a in as_list(statement["Action"]) if a.startswith("iam:")}
        if not iam_actions:
            continue
        assert not iam_actions & {
            "iam:AttachRolePolicy",
            "iam:PutRolePermissionsBoundary",
            "iam:DeleteRolePermissionsBoundary",
            "iam:CreatePolicyVersion",
            "iam:CreateServiceLinkedRole",
        }, f"{name}: {iam_actions}"
        for resource in as_list(statement["Resource"]):
            assert arn_text(resource).startswith(STACK_ROLES), f"{name}: {resource}"
    for policy in resources(template, "AWS::IAM::ManagedPolicy").values():
        assert policy["Properties"]["Roles"] == [{"Ref": "CloudFormationExecutionRole"}]
