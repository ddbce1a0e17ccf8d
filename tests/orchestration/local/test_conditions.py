"""IAM conditions as the local runtime evaluates them (orchestration.local.conditions)."""

from __future__ import annotations

import pytest

from orchestration.local.conditions import UNKNOWN, applies, holds

ROLE = "arn:aws:iam::123456789012:role/lakehouse-bootstrap/lakehouse-cfn-exec-local"
# The deploy role's change-set statement (orchestration/bootstrap.yaml).
CHANGE_SET = {
    "StringEquals": {"cloudformation:RoleArn": ROLE},
    "Null": {"cloudformation:ImportResourceTypes": "true"},
}
# Its KMS statement: only S3's calls on the caller's behalf, only the stack's key (by its alias).
THROUGH_S3 = {
    "StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"},
    "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/lakehouse-local"},
}


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"cloudformation:RoleArn": ROLE}, True),
        ({"CloudFormation:roleArn": ROLE}, True),  # keys are case-insensitive
        ({"cloudformation:RoleArn": ROLE.upper()}, False),  # values are not
        ({}, False),  # no RoleARN: the change set would act with the caller's credentials
        ({"cloudformation:RoleArn": ROLE, "cloudformation:ImportResourceTypes": ["AWS::S3::Bucket"]}, False),
    ],
)
def test_the_change_set_statement_holds_only_with_the_execution_role_and_no_import(context, expected):
    assert holds(CHANGE_SET, context) is expected


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        (
            {
                "kms:ViaService": "s3.us-east-1.amazonaws.com",
                "kms:ResourceAliases": ["alias/x", "alias/lakehouse-local"],
            },
            True,
        ),
        ({"kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:ResourceAliases": ["alias/x"]}, False),
        ({"kms:ViaService": "s3.us-east-1.amazonaws.com"}, False),  # a key without aliases
        ({"kms:ResourceAliases": ["alias/lakehouse-local"]}, False),  # a direct call to KMS
    ],
)
def test_for_any_value_needs_one_of_the_context_values_and_fails_on_a_missing_key(context, expected):
    assert holds(THROUGH_S3, context) is expected


def test_negated_operators_and_if_exists_hold_on_a_missing_key():
    assert holds({"StringNotEquals": {"aws:SourceAccount": "111111111111"}}, {}) is True
    assert (
        holds(
            {"StringNotEquals": {"aws:SourceAccount": "111111111111"}}, {"aws:SourceAccount": "111111111111"}
        )
        is False
    )
    assert holds({"StringEqualsIfExists": {"s3:prefix": "raw/"}}, {}) is True
    assert holds({"StringEqualsIfExists": {"s3:prefix": "raw/"}}, {"s3:prefix": "archived/"}) is False
    assert holds({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {}) is True
    assert (
        holds({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": ["a", "c"]})
        is False
    )


def test_like_operators_match_wildcards_and_a_list_of_values_is_any_of_them():
    assert (
        holds({"StringLike": {"s3:prefix": ["raw/*", "quarantine/*"]}}, {"s3:prefix": "quarantine/r1/"})
        is True
    )
    assert holds({"StringLike": {"s3:prefix": "raw/*"}}, {"s3:prefix": "archived/raw/"}) is False
    assert (
        holds(
            {"ArnLike": {"aws:SourceArn": "arn:aws:events:*:123456789012:rule/*"}},
            {"aws:SourceArn": "arn:aws:events:us-east-1:123456789012:rule/r"},
        )
        is True
    )
    assert holds({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": "true"}) is False


def test_an_operator_not_evaluated_is_unknown_and_read_the_strict_way():
    numeric = {"NumericLessThan": {"s3:max-keys": "10"}}
    assert holds(numeric, {"s3:max-keys": "5"}) is UNKNOWN
    assert holds({**numeric, "StringEquals": {"s3:prefix": "raw/"}}, {"s3:prefix": "x/"}) is False
    assert applies({"Effect": "Allow", "Condition": numeric}, {}) is False  # allows nothing
    assert applies({"Effect": "Deny", "Condition": numeric}, {}) is True  # denies
    assert applies({"Effect": "Allow"}, {}) is True
