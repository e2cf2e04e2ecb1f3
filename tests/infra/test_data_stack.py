"""The data stack: footage bucket lifecycle, queue wiring and the catalog table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from aws_cdk import App
from aws_cdk.assertions import Template
from cctv_infra.application import FEATURE_FLAGS, Deployment
from cctv_infra.data_stack import DataStack
from cctv_infra.settings import DEFAULT_CONFIG as EXAMPLE
from cctv_infra.settings import load_settings

from footage.adapters.dynamodb_models import SegmentItem
from footage.keys import build_status_key
from footage.services.exports import EXPORT_LIFETIME
from tests.infra.template_helpers import logical_id, mentions, only, resources


def footage_bucket(template: Template) -> dict[str, Any]:
    return only(template, "AWS::S3::Bucket", {"Properties": {"ObjectLockEnabled": True}})


def rules(template: Template) -> dict[str, dict[str, Any]]:
    bucket = footage_bucket(template)
    return {rule["Id"]: rule for rule in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}


def test_quarantine_backstop_at_the_longest_retention(data_template: Template) -> None:
    (rule,) = [r for r in rules(data_template).values() if r.get("Prefix") == "quarantine/"]
    assert rule["ExpirationInDays"] == 365
    assert not [
        r for r in rules(data_template).values() if r.get("Prefix", "").startswith("evidence")
    ]


def test_versions_delete_markers_and_multipart_housekeeping(data_template: Template) -> None:
    rule = rules(data_template)["versions-and-uploads"]
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 7}
    assert rule["ExpiredObjectDeleteMarker"] is True
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert "Prefix" not in rule and "TagFilters" not in rule  # applies to every object
    # Each site's edge overwrites its status report once a minute: only this rule
    # covers those keys, so their old versions go after noncurrent_days.
    status = build_status_key("HO")
    covering = [r for r in rules(data_template).values() if status.startswith(r.get("Prefix", ""))]
    assert covering == [rule]


def test_exports_expire_after_their_lifetime(data_template: Template) -> None:
    (rule,) = [r for r in rules(data_template).values() if r.get("Prefix") == "exports/"]
    assert EXPORT_LIFETIME.total_seconds() == 24 * 3600
    assert rule["ExpirationInDays"] == 1
    # an export can be gigabytes: its versions (and its deleted parts) go a day later
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
    assert rule["Status"] == "Enabled" and "Transitions" not in rule


def test_footage_bucket_is_versioned_locked_logged_and_retained(data_template: Template) -> None:
    bucket = footage_bucket(data_template)
    props = bucket["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert "ObjectLockConfiguration" not in props  # legal holds only, no default retention
    log_bucket = props["LoggingConfiguration"]["DestinationBucketName"]
    assert mentions(log_bucket, logical_id(data_template, "AWS::S3::Bucket", _log_bucket()))
    assert bucket["DeletionPolicy"] == "Retain"
    assert bucket["UpdateReplacePolicy"] == "Retain"


CORS_RULE = {
    "AllowedMethods": ["GET", "HEAD"],
    "AllowedHeaders": ["Range"],
    "ExposedHeaders": ["Content-Length", "Content-Range", "ETag", "Accept-Ranges"],
    "MaxAge": 3600,
}


def test_browsers_may_read_presigned_footage_from_any_origin_without_a_domain(
    data_template: Template,
) -> None:
    """The example config has no aws.domain: the CloudFront host is unknown here."""
    (rule,) = footage_bucket(data_template)["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule == {**CORS_RULE, "AllowedOrigins": ["*"]}


def test_cors_is_limited_to_the_viewer_domain_when_configured(tmp_path: Path) -> None:
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw["aws"]["domain"] = {
        "name": "cctv.example.co.id",
        "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc-123",
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    stack = DataStack(App(context=FEATURE_FLAGS), "data", load_settings(path))
    template = Template.from_stack(stack)
    (rule,) = footage_bucket(template)["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule == {**CORS_RULE, "AllowedOrigins": ["https://cctv.example.co.id"]}


def test_only_the_footage_bucket_allows_cross_origin_reads(deployment: Deployment) -> None:
    for stack in (deployment.data, deployment.compute):
        for name, bucket in resources(Template.from_stack(stack), "AWS::S3::Bucket").items():
            if bucket["Properties"].get("ObjectLockEnabled") is not True:
                assert "CorsConfiguration" not in bucket["Properties"], name


def _log_bucket() -> dict[str, Any]:
    return {
        "Properties": {"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}}
    }


def test_log_bucket_expires_its_own_logs(data_template: Template) -> None:
    bucket = only(data_template, "AWS::S3::Bucket", _log_bucket())
    rules_ = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert [r["ExpirationInDays"] for r in rules_] == [365]


def test_every_bucket_is_private_and_encrypted(deployment: Deployment) -> None:
    block_all = {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    buckets = {}
    for stack in (deployment.data, deployment.compute):
        buckets.update(resources(Template.from_stack(stack), "AWS::S3::Bucket"))
    assert len(buckets) == 4  # footage, its logs, viewer, viewer logs
    for name, bucket in buckets.items():
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == block_all, name
        (sse,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256", name


def test_every_bucket_policy_denies_plain_http(deployment: Deployment) -> None:
    for stack in (deployment.data, deployment.compute):
        template = Template.from_stack(stack)
        policies = resources(template, "AWS::S3::BucketPolicy")
        for bucket_id in resources(template, "AWS::S3::Bucket"):
            (policy,) = [
                p for p in policies.values() if mentions(p["Properties"]["Bucket"], bucket_id)
            ]
            assert any(
                _denies_insecure(s) for s in policy["Properties"]["PolicyDocument"]["Statement"]
            )


def _denies_insecure(statement: dict[str, Any]) -> bool:
    condition = statement.get("Condition", {}).get("Bool", {})
    return bool(
        statement["Effect"] == "Deny"
        and statement["Action"] == "s3:*"
        and condition.get("aws:SecureTransport") == "false"
        and statement["Principal"] == {"AWS": "*"}
    )


def test_site_manifests_notify_the_ingest_queue(data_template: Template) -> None:
    """By default the bucket announces each site manifest's signature, not each segment."""
    notifications = only(data_template, "Custom::S3BucketNotifications")["Properties"]
    (config,) = notifications["NotificationConfiguration"]["QueueConfigurations"]
    assert config["Events"] == ["s3:ObjectCreated:*"]
    rules = config["Filter"]["Key"]["FilterRules"]
    assert sorted(rules, key=lambda r: r["Name"]) == [
        {"Name": "prefix", "Value": "manifests/"}, {"Name": "suffix", "Value": ".sig"},
    ]  # fmt: skip
    queue_id = logical_id(data_template, "AWS::SQS::Queue", {"Properties": {"RedrivePolicy": {}}})
    assert config["QueueArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    bucket_id = logical_id(
        data_template, "AWS::S3::Bucket", {"Properties": {"ObjectLockEnabled": True}}
    )
    assert notifications["BucketName"] == {"Ref": bucket_id}


def test_segment_events_announce_every_segment_instead(tmp_path: Path) -> None:
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw["aws"]["segment_events"] = True
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    template = Template.from_stack(
        DataStack(App(context=FEATURE_FLAGS), "data", load_settings(path))
    )
    notifications = only(template, "Custom::S3BucketNotifications")["Properties"]
    (config,) = notifications["NotificationConfiguration"]["QueueConfigurations"]
    assert config["Filter"] == {"Key": {"FilterRules": [{"Name": "prefix", "Value": "segments/"}]}}


def test_queue_redrives_to_dlq_and_outlasts_ingest(data_template: Template) -> None:
    queues = resources(data_template, "AWS::SQS::Queue")
    (queue,) = [q for q in queues.values() if "RedrivePolicy" in q["Properties"]]
    (dlq_id,) = [name for name, q in queues.items() if "RedrivePolicy" not in q["Properties"]]
    redrive = queue["Properties"]["RedrivePolicy"]
    assert redrive == {"deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]}, "maxReceiveCount": 5}
    assert queue["Properties"]["VisibilityTimeout"] >= 6 * 300
    assert queues[dlq_id]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    for q in queues.values():
        assert q["Properties"]["SqsManagedSseEnabled"] is True
    for policy in resources(data_template, "AWS::SQS::QueuePolicy").values():
        assert any(
            s["Effect"] == "Deny" and s["Condition"]["Bool"]["aws:SecureTransport"] == "false"
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
            if "Condition" in s
        )


def table(template: Template) -> dict[str, Any]:
    return only(template, "AWS::DynamoDB::Table")


def test_table_keys_equal_the_pynamodb_model_and_it_has_no_index(data_template: Template) -> None:
    props = table(data_template)["Properties"]
    model = SegmentItem._get_schema()
    assert props["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert _sorted_keys(props["KeySchema"]) == _sorted_keys(model["key_schema"])
    # No GSI: each would add a write per segment; every query is per camera.
    assert "GlobalSecondaryIndexes" not in props
    assert not model.get("global_secondary_indexes")
    definitions = sorted(props["AttributeDefinitions"], key=lambda a: a["AttributeName"])
    assert definitions == sorted(model["attribute_definitions"], key=lambda a: a["AttributeName"])


def _sorted_keys(keys: list[Any]) -> list[tuple[str, str]]:
    return sorted((k["KeyType"], k["AttributeName"]) for k in keys)


def test_table_ttl_pitr_billing_encryption_retain(data_template: Template) -> None:
    resource = table(data_template)
    props = resource["Properties"]
    ttl = SegmentItem._ttl_attribute()
    assert ttl is not None and ttl.attr_name == "expires_at"
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"] == {"SSEEnabled": True}  # KMS with the AWS-managed key
    assert resource["DeletionPolicy"] == "Retain"
    # the totals Lambda reads removals (TTL's) with the row they removed
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}


SITES = ["HO", "CABANG-01"]


def test_each_site_has_its_own_generated_hex_live_key(
    data_template: Template, live_key_secrets: dict[str, dict[str, Any]]
) -> None:
    # in nested stacks of the data stack (site_stacks.py), retained like it
    assert resources(data_template, "AWS::SecretsManager::Secret") == {}
    nested = resources(data_template, "AWS::CloudFormation::Stack").values()
    assert len(nested) == 2  # HO and CABANG-01 hash to two of them
    secrets = live_key_secrets
    names = sorted(s["Properties"]["Name"] for s in secrets.values())
    assert names == sorted(f"cctv-vms/live/{site}" for site in SITES)
    for secret in secrets.values():
        generated = secret["Properties"]["GenerateSecretString"]
        assert generated["PasswordLength"] == 64  # 32 bytes as hex: the floor the API accepts
        digits = set("0123456789abcdefghijklmnopqrstuvwxyz") - set(generated["ExcludeCharacters"])
        assert digits == set("0123456789abcdef")
        assert generated["ExcludeUppercase"] and generated["ExcludePunctuation"]
        assert not generated["IncludeSpace"]
        assert "SecretString" not in secret["Properties"]  # never a value in the template
        # every edge holds its key: a stack update or teardown must not re-key the sites
        assert secret["DeletionPolicy"] == "Retain"
        assert secret["UpdateReplacePolicy"] == "Retain"


def test_outputs_name_the_live_keys_prefix(data_template: Template) -> None:
    """One output, not one per site: a stack has at most 200 outputs."""
    outputs = data_template.to_json()["Outputs"]
    assert outputs["LiveKeySecretPrefix"]["Value"] == "cctv-vms/live/"
    assert not [name for name in outputs if name.startswith("LiveKeySecret") and
                name != "LiveKeySecretPrefix"]  # fmt: skip
