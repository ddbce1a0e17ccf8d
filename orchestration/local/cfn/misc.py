"""Policies on buckets, queues and topics, SNS subscriptions and CloudWatch alarms (moto's
CloudFormation has none of these types).

AWS::S3::BucketPolicy sets the bucket's policy, which orchestration.local.resource_policies
evaluates for role sessions (requests count as TLS there, as the SDKs send them, so the template's
TLS-only Deny holds without refusing the plain-HTTP local endpoint)."""

from __future__ import annotations

import json
from contextlib import suppress
from typing import Any, ClassVar

from moto.cloudwatch.models import CloudWatchBackend, cloudwatch_backends
from moto.core.common_models import CloudFormationModel
from moto.s3.exceptions import MissingBucket
from moto.s3.models import S3Backend, s3_backends
from moto.sns.exceptions import TopicNotFound
from moto.sns.models import SNSBackend, sns_backends
from moto.sqs.exceptions import QueueDoesNotExist
from moto.sqs.models import SQSBackend, sqs_backends
from moto.utilities.utils import get_partition

from orchestration.local.cfn.base import NamedResource, as_float, as_int, as_text


class _Policy(NamedResource):
    """A policy document set on the resources a list property names: create and update set it,
    delete takes it off. The physical id lists those resources."""

    name_property = ""
    targets: ClassVar[str]  # the property that lists the resources

    @classmethod
    def _set(cls, backend: Any, target: str, policy: str | None) -> None:
        """Set the policy on the target, or (None) take it off."""
        raise NotImplementedError

    @classmethod
    def _create(cls, backend: Any, name: str, properties: dict[str, Any]) -> str:
        policy = json.dumps(properties["PolicyDocument"])
        for target in properties[cls.targets]:
            cls._set(backend, target, policy)
        return ",".join(properties[cls.targets])

    @classmethod
    def _delete(cls, backend: Any, physical_id: str) -> None:
        for target in physical_id.split(","):
            with suppress(*cls.gone):
                cls._set(backend, target, None)


class S3BucketPolicy(_Policy, CloudFormationModel):
    resource_type = "AWS::S3::BucketPolicy"
    backends = s3_backends
    targets = "Bucket"  # one bucket, not a list
    gone = (MissingBucket,)

    @classmethod
    def _backend(cls, account_id: str, region_name: str) -> S3Backend:
        return s3_backends[account_id][get_partition(region_name)]  # S3's backends are per partition

    @classmethod
    def _create(cls, backend: S3Backend, name: str, properties: dict[str, Any]) -> str:
        cls._set(backend, properties["Bucket"], json.dumps(properties["PolicyDocument"]))
        return properties["Bucket"]

    @classmethod
    def _set(cls, s3: S3Backend, bucket: str, policy: str | None) -> None:
        if policy is None:
            s3.delete_bucket_policy(bucket)
        else:
            s3.put_bucket_policy(bucket, policy.encode())


class SQSQueuePolicy(_Policy, CloudFormationModel):
    resource_type = "AWS::SQS::QueuePolicy"
    backends = sqs_backends
    targets = "Queues"
    gone = (QueueDoesNotExist,)

    @classmethod
    def _set(cls, sqs: SQSBackend, url: str, policy: str | None) -> None:
        sqs.get_queue(url.rsplit("/", 1)[-1]).policy = policy


class SNSTopicPolicy(_Policy, CloudFormationModel):
    resource_type = "AWS::SNS::TopicPolicy"
    backends = sns_backends
    targets = "Topics"
    gone = (TopicNotFound,)

    @classmethod
    def _set(cls, sns: SNSBackend, arn: str, policy: str | None) -> None:
        topic = sns.get_topic(arn)
        if policy is not None:
            topic.policy = policy
        else:  # back to the topic's default policy, as on AWS
            topic._policy_json = topic._create_default_topic_policy(
                sns.region_name, sns.account_id, topic.name
            )


class SNSSubscription(NamedResource, CloudFormationModel):
    """Ref returns the subscription ARN, as on AWS. An update subscribes again."""

    resource_type = "AWS::SNS::Subscription"
    name_property = ""
    backends = sns_backends
    delete_call = "unsubscribe"

    @classmethod
    def _create(cls, sns: SNSBackend, name: str, properties: dict[str, Any]) -> str:
        subscription = sns.subscribe(properties["TopicArn"], properties["Endpoint"], properties["Protocol"])
        for attribute in ("FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy"):
            if attribute in properties:
                value = properties[attribute]
                text = json.dumps(value) if isinstance(value, dict) else as_text(value)
                sns.set_subscription_attributes(subscription.arn, attribute, text)
        return subscription.arn


class CloudWatchAlarm(NamedResource, CloudFormationModel):
    """A metric alarm (metric math alarms are not mapped). An update puts the alarm again."""

    resource_type = "AWS::CloudWatch::Alarm"
    name_property = "AlarmName"
    backends = cloudwatch_backends

    @classmethod
    def _create(cls, cloudwatch: CloudWatchBackend, name: str, properties: dict[str, Any]) -> str:
        cloudwatch.put_metric_alarm(
            name=name,
            namespace=properties.get("Namespace"),
            metric_name=properties.get("MetricName"),
            comparison_operator=properties["ComparisonOperator"],
            evaluation_periods=int(properties["EvaluationPeriods"]),
            period=as_int(properties.get("Period")),
            threshold=as_float(properties.get("Threshold")),
            statistic=properties.get("Statistic"),
            description=properties.get("AlarmDescription"),
            dimensions=properties.get("Dimensions", []),
            alarm_actions=properties.get("AlarmActions", []),
            ok_actions=properties.get("OKActions", []),
            insufficient_data_actions=properties.get("InsufficientDataActions", []),
            datapoints_to_alarm=as_int(properties.get("DatapointsToAlarm")),
            extended_statistic=properties.get("ExtendedStatistic"),
            unit=properties.get("Unit"),
            actions_enabled=as_text(properties.get("ActionsEnabled", True)) == "true",
            treat_missing_data=properties.get("TreatMissingData"),
            tags=properties.get("Tags"),
        )
        return name

    @classmethod
    def _delete(cls, cloudwatch: CloudWatchBackend, physical_id: str) -> None:
        cloudwatch.delete_alarms([physical_id])
