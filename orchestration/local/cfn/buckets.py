"""AWS::S3::Bucket as AWS makes it: moto's model only reads encryption and tags, so the bucket's
notification (EventBridge), public access block, ownership, versioning, lifecycle and bucket-key
settings are applied here, on create and on update; GetBucketNotificationConfiguration answers
with EventBridgeConfiguration."""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.s3.models import FakeBucket, s3_backends
from moto.s3.responses import S3Response
from moto.utilities.utils import get_partition


def install() -> None:
    moto_create = FakeBucket.create_from_cloudformation_json.__func__
    moto_update = FakeBucket.update_from_cloudformation_json.__func__

    def create_from_cloudformation_json(
        cls: type,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> FakeBucket:
        bucket = moto_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        _apply_bucket_properties(
            bucket.name, cloudformation_json.get("Properties", {}), account_id, region_name
        )
        return bucket

    def update_from_cloudformation_json(
        cls: type,
        original_resource: FakeBucket,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> FakeBucket:
        properties = cloudformation_json["Properties"]
        if properties.get("BucketName", original_resource.name) != original_resource.name:
            bucket = moto_update(
                cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
            )
        else:
            # moto's in-place branch reads properties["BucketName"], absent when the name is generated.
            bucket = original_resource
            if "Tags" in properties:
                backend = s3_backends[account_id][get_partition(region_name)]
                backend.put_bucket_tagging(bucket.name, {t["Key"]: t["Value"] for t in properties["Tags"]})
        _apply_bucket_properties(bucket.name, properties, account_id, region_name)
        return bucket

    FakeBucket.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    FakeBucket.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)
    S3Response.get_bucket_notification = _get_bucket_notification


def _bucket_encryption(cfn: dict[str, Any]) -> dict[str, Any]:
    """moto's own conversion drops BucketKeyEnabled."""
    rule = cfn["ServerSideEncryptionConfiguration"][0]
    api_rule: dict[str, Any] = {
        "ApplyServerSideEncryptionByDefault": dict(rule["ServerSideEncryptionByDefault"])
    }
    if "BucketKeyEnabled" in rule:
        api_rule["BucketKeyEnabled"] = bool(rule["BucketKeyEnabled"])
    return {"Rule": api_rule}


def _one_or_many(cfn: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """A lifecycle rule's `<key>s` list and its single `<key>` form, together."""
    return cfn.get(f"{key}s", []) + ([cfn[key]] if key in cfn else [])


def _lifecycle_rule(cfn: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule in the shape moto's PutBucketLifecycleConfiguration parses
    (prefix filters only: TagFilters and object-size filters are not mapped)."""
    rule: dict[str, Any] = {
        "ID": cfn.get("Id"),
        "Status": cfn["Status"],
        "Filter": {"Prefix": cfn.get("Prefix", "")},
    }
    expiration = {
        api: cfn[key]
        for key, api in (
            ("ExpirationInDays", "Days"),
            ("ExpirationDate", "Date"),
            ("ExpiredObjectDeleteMarker", "ExpiredObjectDeleteMarker"),
        )
        if key in cfn
    }
    if expiration:
        rule["Expiration"] = expiration
    transitions = [
        {
            "StorageClass": t["StorageClass"],
            "Days": t.get("TransitionInDays"),
            "Date": t.get("TransitionDate"),
        }
        for t in _one_or_many(cfn, "Transition")
    ]
    if transitions:
        rule["Transition"] = transitions
    noncurrent = cfn.get("NoncurrentVersionExpiration") or (
        {"NoncurrentDays": cfn["NoncurrentVersionExpirationInDays"]}
        if "NoncurrentVersionExpirationInDays" in cfn
        else None
    )
    if noncurrent:
        rule["NoncurrentVersionExpiration"] = noncurrent
    noncurrent_transitions = [
        {
            "StorageClass": t["StorageClass"],
            "NoncurrentDays": t.get("TransitionInDays"),
            "NewerNoncurrentVersions": t.get("NewerNoncurrentVersions"),
        }
        for t in _one_or_many(cfn, "NoncurrentVersionTransition")
    ]
    if noncurrent_transitions:
        rule["NoncurrentVersionTransition"] = noncurrent_transitions
    if "AbortIncompleteMultipartUpload" in cfn:
        rule["AbortIncompleteMultipartUpload"] = cfn["AbortIncompleteMultipartUpload"]
    return rule


def _notification(cfn: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation NotificationConfiguration in the shape moto's bucket model takes."""

    def targets(kind: str, target_key: str, api_key: str) -> list[dict[str, Any]]:
        return [
            {
                api_key: target[target_key],
                "Event": [target["Event"]],
                **(
                    {"Filter": {"S3Key": {"FilterRule": target["Filter"]["S3Key"]["Rules"]}}}
                    if "Filter" in target
                    else {}
                ),
            }
            for target in cfn.get(kind, [])
        ]

    config: dict[str, Any] = {
        "TopicConfiguration": targets("TopicConfigurations", "Topic", "Topic"),
        "QueueConfiguration": targets("QueueConfigurations", "Queue", "Queue"),
        "CloudFunctionConfiguration": targets("LambdaConfigurations", "Function", "CloudFunction"),
    }
    if (cfn.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled") in (True, "true"):
        config["EventBridgeConfiguration"] = {}
    return {key: value for key, value in config.items() if value or key == "EventBridgeConfiguration"}


def _apply_bucket_properties(
    name: str, properties: dict[str, Any], account_id: str, region_name: str
) -> None:
    """The bucket settings moto's AWS::S3::Bucket ignores (it only reads encryption and tags). A
    setting missing from the properties is removed, so an update that drops one takes effect."""
    backend = s3_backends[account_id][get_partition(region_name)]
    bucket = backend.get_bucket(name)
    if "BucketEncryption" in properties:
        backend.put_bucket_encryption(name, _bucket_encryption(properties["BucketEncryption"]))
    if "PublicAccessBlockConfiguration" in properties:
        backend.put_public_access_block(name, properties["PublicAccessBlockConfiguration"])
    else:
        bucket.public_access_block = None
    if "OwnershipControls" in properties:
        ownership = properties["OwnershipControls"]["Rules"][0]["ObjectOwnership"]
        backend.put_bucket_ownership_controls(name, ownership=ownership)
    else:
        bucket.ownership_rule = None
    if "VersioningConfiguration" in properties:
        backend.put_bucket_versioning(name, properties["VersioningConfiguration"]["Status"])
    elif bucket.versioning_status == "Enabled":
        backend.put_bucket_versioning(name, "Suspended")  # as on AWS: versioning cannot be turned off
    rules = (properties.get("LifecycleConfiguration") or {}).get("Rules") or []
    backend.put_bucket_lifecycle_configuration(name, [_lifecycle_rule(rule) for rule in rules])
    backend.put_bucket_notification_configuration(
        name, _notification(properties.get("NotificationConfiguration") or {})
    )


def _get_bucket_notification(self: S3Response) -> Any:
    """moto's GetBucketNotificationConfiguration leaves out EventBridgeConfiguration."""
    configuration = self.backend.get_bucket_notification_configuration(self.bucket_name)
    if not configuration:
        return self.serialized(EmptyResult())

    def described(item: Any, arn_key: str) -> dict[str, Any]:
        described = {"Id": item.id, arn_key: item.arn, "Events": item.events}
        if item.filters:
            described["Filter"] = {"Key": {"FilterRules": item.filters["S3Key"]["FilterRule"]}}
        return described

    result: dict[str, Any] = {
        "TopicConfigurations": [described(t, "TopicArn") for t in configuration.topic],
        "QueueConfigurations": [described(q, "QueueArn") for q in configuration.queue],
        "LambdaFunctionConfigurations": [
            described(f, "LambdaFunctionArn") for f in configuration.cloud_function
        ],
    }
    if configuration.event_bridge is not None:
        result["EventBridgeConfiguration"] = {}
    self.data["Action"] = "GetBucketNotificationConfiguration"
    return self.serialized(ActionResult(result))
