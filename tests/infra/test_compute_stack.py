"""The compute stack: functions, layers, triggers, edge users, API, auth, viewer, alarms."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template
from cctv_infra.alerts import ALERTS_HANDLER
from cctv_infra.application import Deployment
from cctv_infra.drill import DRILL_HANDLER
from cctv_infra.lambdas import (
    API_HANDLER,
    EXPORT_HANDLER,
    INGEST_HANDLER,
    SWEEP_HANDLER,
    TOTALS_HANDLER,
)
from cctv_infra.renditions import RENDITION_HANDLER
from cctv_infra.site_stacks import site_stack_index

from footage.keys import (
    KeyKind,
    build_key,
    build_original_key,
    build_rendition_key,
    build_segment_key,
    build_sprite_key,
)
from tests.infra.template_helpers import as_list, logical_id, mentions, only, resources, statements
from tests.support.bucket_policy import iam_pattern, resolve

HANDLERS = {
    "Ingest": INGEST_HANDLER,
    "Sweep": SWEEP_HANDLER,
    "Api": API_HANDLER,
    "Export": EXPORT_HANDLER,
    "Totals": TOTALS_HANDLER,
    "Rendition": RENDITION_HANDLER,
    "Drill": DRILL_HANDLER,
    "Alerts": ALERTS_HANDLER,
}
SITES = ["HO", "CABANG-01"]
#: The retention classes of each site's cameras in the example config.
SITE_CLASSES = {"HO": [180, 365], "CABANG-01": [90, 180]}
#: The one Lambda function not built by the factory: BucketDeployment's handler.
SITE_DEPLOYMENT_HANDLER = "index.handler"


def functions(template: Template) -> dict[str, dict[str, Any]]:
    """The app's functions by handler (besides them, only BucketDeployment's)."""
    found = resources(template, "AWS::Lambda::Function")
    by_handler = {f["Properties"]["Handler"]: f for f in found.values()}
    assert set(by_handler) == {*HANDLERS.values(), SITE_DEPLOYMENT_HANDLER}
    del by_handler[SITE_DEPLOYMENT_HANDLER]
    return by_handler


def function_id(template: Template, handler: str) -> str:
    return logical_id(template, "AWS::Lambda::Function", {"Properties": {"Handler": handler}})


def test_handler_paths_match_the_functions_package() -> None:
    assert HANDLERS == {
        "Ingest": "functions.ingest.handler.handler",
        "Sweep": "functions.sweep.handler.handler",
        "Api": "functions.api.handler.handler",
        "Export": "functions.export.handler.handler",
        "Totals": "functions.totals.handler.handler",
        "Rendition": "functions.rendition.handler.handler",
        "Drill": "functions.drill.handler.handler",
        "Alerts": "functions.alerts.handler.handler",
    }


def test_every_function_shares_runtime_arch_tracing_logging(compute_template: Template) -> None:
    for handler, function in functions(compute_template).items():
        props = function["Properties"]
        assert props["Runtime"] == "python3.12", handler
        assert props["Architectures"] == ["arm64"], handler  # example config: arm64
        assert "TracingConfig" not in props, handler  # aws.tracing is off by default
        assert props["LoggingConfig"]["LogFormat"] == "JSON", handler
        assert "Ref" in props["LoggingConfig"]["LogGroup"], handler
        env = props["Environment"]["Variables"]
        assert env["VMS_CONFIG_PATH"] == "/opt/vms/config.yaml"
        assert env["POWERTOOLS_SERVICE_NAME"] == "cctv-vms"
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "CctvVms"
        assert env["POWERTOOLS_LOG_LEVEL"] == "INFO"
        assert "Fn::ImportValue" in env["VMS_BUCKET"] and "Fn::ImportValue" in env["VMS_TABLE"]


def test_function_sizes_and_timeouts(compute_template: Template) -> None:
    by_handler = functions(compute_template)
    ingest = by_handler[INGEST_HANDLER]["Properties"]
    assert (ingest["MemorySize"], ingest["Timeout"]) == (512, 300)  # no camera re-encodes
    assert ingest["EphemeralStorage"] == {"Size": 2048}
    sweep = by_handler[SWEEP_HANDLER]["Properties"]
    assert (sweep["MemorySize"], sweep["Timeout"]) == (1024, 900)
    api = by_handler[API_HANDLER]["Properties"]
    assert (api["MemorySize"], api["Timeout"]) == (1024, 29)
    # one vCPU for stream copy; /tmp for the parts of 2 h of footage and the result
    export = by_handler[EXPORT_HANDLER]["Properties"]
    assert (export["MemorySize"], export["Timeout"]) == (1769, 900)
    assert export["EphemeralStorage"] == {"Size": 10240}


def test_api_environment(compute_template: Template) -> None:
    env = functions(compute_template)[API_HANDLER]["Properties"]["Environment"]["Variables"]
    assert "VMS_PRESIGN_SECONDS" not in env  # gone from ApiSettings
    pool = logical_id(compute_template, "AWS::Cognito::UserPool")
    client = logical_id(compute_template, "AWS::Cognito::UserPoolClient")
    assert env["VMS_COGNITO_USER_POOL_ID"] == {"Ref": pool}
    assert env["VMS_COGNITO_CLIENT_ID"] == {"Ref": client}
    assert env["VMS_EXPORT_FUNCTION"] == {"Ref": function_id(compute_template, EXPORT_HANDLER)}
    rendition = function_id(compute_template, RENDITION_HANDLER)
    assert env["VMS_RENDITION_FUNCTION"] == {"Ref": rendition}


def test_config_layer_on_every_function_ffmpeg_only_where_it_runs(
    compute_template: Template,
) -> None:
    # Ours are under the Functions construct; BucketDeployment brings an AWS CLI layer.
    found = resources(compute_template, "AWS::Lambda::LayerVersion")
    layers = {k: v for k, v in found.items() if k.startswith("Functions")}
    assert len(layers) == 2 and len(found) == 3
    (ffmpeg_id,) = [k for k, v in layers.items() if "ffmpeg" in v["Properties"]["Description"]]
    assert layers[ffmpeg_id]["Properties"]["CompatibleArchitectures"] == ["arm64"]
    for layer in layers.values():
        assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    (config_id,) = set(layers) - {ffmpeg_id}
    for handler, function in functions(compute_template).items():
        # the sweep re-indexes an upload whose row is gone through the ingest queue
        runs_ffmpeg = handler in {INGEST_HANDLER, EXPORT_HANDLER, RENDITION_HANDLER, DRILL_HANDLER}
        expected = sorted([config_id, ffmpeg_id] if runs_ffmpeg else [config_id])
        assert sorted(r["Ref"] for r in function["Properties"]["Layers"]) == expected, handler


def test_ingest_consumes_the_queue_with_partial_batch_failures(
    compute_template: Template,
) -> None:
    ingest = {"Ref": function_id(compute_template, INGEST_HANDLER)}
    mapping = only(compute_template, "AWS::Lambda::EventSourceMapping",
                   {"Properties": {"FunctionName": ingest}})["Properties"]  # fmt: skip
    assert mapping["BatchSize"] == 5
    assert mapping["MaximumBatchingWindowInSeconds"] == 5
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "IngestQueue" in mapping["EventSourceArn"]["Fn::ImportValue"]


def test_sweep_runs_daily_at_retention_run_at(compute_template: Template) -> None:
    sweep = {"Properties": {"Description": "daily retention sweep (UTC)"}}
    rule = only(compute_template, "AWS::Events::Rule", sweep)["Properties"]
    assert rule["ScheduleExpression"] == "cron(0 2 * * ? *)"  # retention.run_at 02:00 UTC
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [function_id(compute_template, SWEEP_HANDLER), "Arn"]}


def test_the_sweep_reindexes_through_the_ingest_queue(compute_template: Template) -> None:
    sweep = functions(compute_template)[SWEEP_HANDLER]["Properties"]
    queue_url = sweep["Environment"]["Variables"]["VMS_INGEST_QUEUE_URL"]
    assert "IngestQueue" in json.dumps(queue_url)
    sends = [s for s in role_statements(compute_template, SWEEP_HANDLER)
             if "sqs:SendMessage" in as_list(s["Action"])]  # fmt: skip
    assert len(sends) == 1 and "IngestQueue" in json.dumps(sends[0]["Resource"])


def role_policies(template: Template, handler: str) -> dict[str, dict[str, Any]]:
    """The inline policies attached to the function's role, by logical id."""
    function = functions(template)[handler]
    role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = resources(template, "AWS::IAM::Policy")
    return {k: p for k, p in policies.items() if {"Ref": role} in p["Properties"].get("Roles", [])}


def role_statements(template: Template, handler: str) -> list[dict[str, Any]]:
    return [s for p in role_policies(template, handler).values() for s in statements(p)]


def object_arns(template: Template, statement: dict[str, Any]) -> list[str]:
    """Resource ARNs of footage-bucket objects as "<bucket>/<key pattern>"."""
    arns = []
    for resource in as_list(statement["Resource"]):
        bucket_arn, key = resource["Fn::Join"][1]
        assert "FootageBucket" in bucket_arn["Fn::ImportValue"]
        arns.append(f"<bucket>{key}")
    return arns


def by_actions(found: list[dict[str, Any]]) -> dict[tuple[str, ...], dict[str, Any]]:
    return {tuple(as_list(s["Action"])): s for s in found}


def s3_actions(template: Template, handler: str) -> set[str]:
    found: set[str] = set()
    for statement in role_statements(template, handler):
        found |= {a for a in as_list(statement["Action"]) if a.startswith("s3:")}
    return found


def test_least_privilege_s3_actions(compute_template: Template) -> None:
    # evidence holds (admins): copy to evidence/, delete the original, legal holds there
    assert s3_actions(compute_template, API_HANDLER) == {
        "s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject",
        "s3:PutObjectLegalHold", "s3:GetObjectLegalHold", "s3:ListBucketVersions",
    }  # fmt: skip
    assert s3_actions(compute_template, EXPORT_HANDLER) == {
        "s3:ListBucket",
        "s3:GetObject",
        "s3:PutObject",
        "s3:AbortMultipartUpload",
        "s3:DeleteObject",
    }
    ingest = s3_actions(compute_template, INGEST_HANDLER)
    assert {"s3:PutObject", "s3:DeleteObject*"} <= ingest
    assert not {"s3:PutObjectTagging", "s3:PutObjectLegalHold"} & ingest
    sweep = s3_actions(compute_template, SWEEP_HANDLER)
    assert {"s3:List*", "s3:DeleteObject*"} <= sweep
    # it re-indexes a lost upload through the ingest queue: it never writes footage
    assert not {a for a in sweep if a.startswith("s3:Put")}
    for actions in (ingest, sweep):
        assert not {"s3:PutObjectLegalHold", "s3:PutObjectRetention", "s3:*"} & actions
        assert not any(a.startswith("s3:Put") and a.endswith("*") for a in actions)


def test_export_function_statements_exactly(compute_template: Template) -> None:
    found = by_actions(role_statements(compute_template, EXPORT_HANDLER))
    assert set(found) == {
        ("s3:GetObject",),
        ("s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject"),
        # grant_read_data: the segments of the camera and range (the table and its GSIs)
        ("dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:GetItem", "dynamodb:Scan",
         "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable"),
        ("dynamodb:GetRecords", "dynamodb:GetShardIterator"),
        ("lambda:InvokeFunction",),
        ("s3:ListBucket",),  # a missing object is then a 404, not a 403
        ("secretsmanager:GetSecretValue",),  # a shared clip goes out through a channel
    }  # fmt: skip
    assert all(s["Effect"] == "Allow" and set(s) == {"Effect", "Action", "Resource"}
               for s in found.values())  # fmt: skip
    secret = str(found[("secretsmanager:GetSecretValue",)]["Resource"])
    assert "secret:cctv-vms/alerts/*" in secret  # the alert channels' secrets only
    reads = object_arns(compute_template, found[("s3:GetObject",)])
    assert reads == [
        "<bucket>/segments/*",
        "<bucket>/renditions/*",
        "<bucket>/evidence/*",
        "<bucket>/manifests/*",  # an evidence package's signed manifests
        "<bucket>/exports/*",
    ]
    writes = found[("s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject")]
    assert object_arns(compute_template, writes) == ["<bucket>/exports/*"]
    export_id = function_id(compute_template, EXPORT_HANDLER)
    assert found[("lambda:InvokeFunction",)]["Resource"] == {"Fn::GetAtt": [export_id, "Arn"]}


def test_api_reads_each_sites_live_key_by_name(
    deployment: Deployment, live_key_secrets: dict[str, dict[str, Any]]
) -> None:
    """The API Lambda gets the name prefix, and GetSecretValue on names under it
    only; every site's secret (data stack) is named prefix + site id."""
    compute = Template.from_stack(deployment.compute)
    assert compute.find_resources("AWS::SecretsManager::Secret") == {}  # in the data stack
    env = functions(compute)[API_HANDLER]["Properties"]["Environment"]["Variables"]
    assert env["VMS_LIVE_KEY_PREFIX"] == "cctv-vms/live/"
    assert "VMS_LIVE_KEY_SECRET" not in env
    statements_ = role_statements(compute, API_HANDLER)
    (statement,) = [s for s in statements_ if "secretsmanager" in str(s["Action"])]
    assert statement["Action"] == "secretsmanager:GetSecretValue"
    pattern = iam_pattern(resolve(statement["Resource"], {}, region="ap-southeast-3"))
    arn = "arn:aws:secretsmanager:ap-southeast-3:123456789012:secret:{}-AbCdEf"
    names = [s["Properties"]["Name"] for s in live_key_secrets.values()]
    assert sorted(names) == sorted(f"cctv-vms/live/{site}" for site in SITES)
    for name in names:
        assert name.startswith(env["VMS_LIVE_KEY_PREFIX"])
        assert pattern.match(arn.format(name))
    for other in ("cctv-vms/other", "cctv-vmsx/live/HO", "other/live/HO"):
        assert not pattern.match(arn.format(other)), other
    assert not pattern.match(arn.format("cctv-vms/live/HO").replace("ap-southeast-3", "us-east-1"))


def test_export_continuation_is_not_in_the_policy_the_function_waits_for(
    compute_template: Template,
) -> None:
    """The function DependsOn its role's default policy, so an invoke-itself grant
    there (grant_invoke) would be a dependency cycle. cfn-lint (E3004) checks every
    cycle; this checks the separate policy is what breaks it."""
    export_id = function_id(compute_template, EXPORT_HANDLER)
    depends_on = set(resources(compute_template, "AWS::Lambda::Function")[export_id]["DependsOn"])
    policies = role_policies(compute_template, EXPORT_HANDLER)
    (invoking,) = [k for k, p in policies.items() if mentions(p, export_id)]
    assert invoking not in depends_on
    assert set(policies) - {invoking} <= depends_on


def test_api_may_write_export_jobs_and_start_the_export_function(
    compute_template: Template,
) -> None:
    found = by_actions(role_statements(compute_template, API_HANDLER))
    assert set(found) == {
        ("s3:GetObject",),  # pre-signed URLs of any object
        ("s3:PutObject",),
        ("s3:ListBucket",),  # a missing status report or export is a 404, not a 403
        # evidence holds: the original goes once copied; holds and versions of evidence/
        ("s3:DeleteObject",), ("s3:PutObjectLegalHold", "s3:GetObjectLegalHold"),
        ("s3:ListBucketVersions",),
        ("lambda:InvokeFunction",),
        ("secretsmanager:GetSecretValue",),  # each site's live key (by name)
        ("dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:GetItem", "dynamodb:Scan",
         "dynamodb:ConditionCheckItem", "dynamodb:BatchWriteItem", "dynamodb:PutItem",
         "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:DescribeTable"),
        ("dynamodb:GetRecords", "dynamodb:GetShardIterator"),
    }  # fmt: skip
    assert object_arns(compute_template, found[("s3:GetObject",)]) == ["<bucket>/*"]
    puts = [s for s in role_statements(compute_template, API_HANDLER)
            if as_list(s["Action"]) == ["s3:PutObject"]]  # fmt: skip
    assert sorted(a for s in puts for a in object_arns(compute_template, s)) == [
        "<bucket>/evidence/*", "<bucket>/exports/*"]  # fmt: skip
    held = found[("s3:PutObjectLegalHold", "s3:GetObjectLegalHold")]
    assert object_arns(compute_template, held) == ["<bucket>/evidence/*"]
    # originals of footage; of evidence/ only the manifest copies a release lets go
    deletes = object_arns(compute_template, found[("s3:DeleteObject",)])
    assert sorted(deletes) == sorted(
        [f"<bucket>/{kind.value}/*" for kind in KeyKind] + ["<bucket>/evidence/manifests/*"]
    )
    # the unqualified ARNs only (no <arn>:* for versions and aliases): the export
    # function, and the rendition function (footage.services.renditions)
    invoked = [s["Resource"] for s in role_statements(compute_template, API_HANDLER)
               if as_list(s["Action"]) == ["lambda:InvokeFunction"]]  # fmt: skip
    assert sorted(invoked, key=str) == sorted(
        [{"Fn::GetAtt": [function_id(compute_template, h), "Arn"]}
         for h in (EXPORT_HANDLER, RENDITION_HANDLER)], key=str)  # fmt: skip


@pytest.mark.parametrize("site", SITES)
def test_edge_user_may_only_put_under_its_site_prefix(
    site_templates: dict[str, Template], site: str
) -> None:
    template = site_templates[site]  # the site's nested stack
    user_id = logical_id(
        template, "AWS::IAM::User", {"Properties": {"UserName": f"cctv-vms-edge-{site}"}}
    )
    user = resources(template, "AWS::IAM::User")[user_id]["Properties"]
    assert set(user) == {"UserName"}  # no console password, groups, managed or inline policies
    attached = [
        p
        for p in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": user_id} in p["Properties"].get("Users", [])
    ]
    assert len(attached) == 1
    statement, keys = statements(attached[0])
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "s3:PutObject"
    # its footage and sprites in each class its cameras use, its signed manifests in
    # its longest class, and its status report
    assert object_arns(template, statement) == [
        *(f"<bucket>/segments/retention={d}/{site}/*" for d in SITE_CLASSES[site]),
        *(f"<bucket>/thumbnails/retention={d}/{site}/*" for d in SITE_CLASSES[site]),
        f"<bucket>/manifests/retention={max(SITE_CLASSES[site])}/{site}/*",
        f"<bucket>/status/{site}.json",
    ]
    assert set(statement) == {"Effect", "Action", "Resource"}
    # the age of its own access keys (vms status), on its own user only
    assert keys == {
        "Effect": "Allow",
        "Action": "iam:ListAccessKeys",
        "Resource": {"Fn::GetAtt": [user_id, "Arn"]},
    }


def test_the_edge_may_put_the_originals_it_keeps_beside_transcoded_segments(
    site_templates: dict[str, Template],
) -> None:
    """An old DVR codec is transcoded at the edge and the file itself goes up too:
    under the site's own segment prefix, so no new permission and no other site's."""
    start = datetime(2026, 12, 5, 22, 40, 20, tzinfo=UTC)
    for site in SITES:
        template = site_templates[site]
        user_id = logical_id(template, "AWS::IAM::User",
                             {"Properties": {"UserName": f"cctv-vms-edge-{site}"}})  # fmt: skip
        [policy] = [p for p in resources(template, "AWS::IAM::Policy").values()
                    if {"Ref": user_id} in p["Properties"].get("Users", [])]  # fmt: skip
        allowed = object_arns(template, statements(policy)[0])
        for owner in SITES:
            for days in SITE_CLASSES[owner]:
                original = build_original_key(owner, "cam-1", start, "avi", retention_days=days)
                may = any(iam_pattern(p).match(f"<bucket>/{original}") for p in allowed)
                assert may is (owner == site and days in SITE_CLASSES[site]), (site, original)


def test_an_edge_cannot_write_a_class_its_cameras_do_not_use_nor_a_camera_named_like_it(
    site_templates: dict[str, Template],
) -> None:
    start = datetime(2026, 12, 5, 22, 40, 20, tzinfo=UTC)
    template = site_templates["HO"]
    user_id = logical_id(template, "AWS::IAM::User",
                         {"Properties": {"UserName": "cctv-vms-edge-HO"}})  # fmt: skip
    [policy] = [p for p in resources(template, "AWS::IAM::Policy").values()
                if {"Ref": user_id} in p["Properties"].get("Users", [])]  # fmt: skip
    allowed = [iam_pattern(p) for p in object_arns(template, statements(policy)[0])]

    def may(key: str) -> bool:
        return any(pattern.match(f"<bucket>/{key}") for pattern in allowed)

    assert may(build_segment_key("HO", "ho-lobby", start, retention_days=365))
    assert may(build_sprite_key("HO", "ho-lobby", start.replace(minute=40, second=0),
                                retention_days=180))  # fmt: skip
    assert not may(build_segment_key("HO", "ho-lobby", start, retention_days=90))  # not HO's
    assert not may(build_segment_key("HO", "ho-lobby", start, retention_days=7))
    # CABANG-01's camera called "HO": the class, then the site, is spelled out
    assert not may(build_segment_key("CABANG-01", "HO", start, retention_days=180))
    assert not may(f"segments/retention=180/CABANG-01/HO/{start:%Y/%m/%d}/x.mp4")
    assert not may(build_key(KeyKind.SEGMENT, "HO", "ho-lobby", start, retention_days=None))
    assert not may(build_rendition_key("HO", "ho-lobby", start, "h264"))


def test_no_access_keys_or_other_user_attachments(
    compute_template: Template, site_templates: dict[str, Template]
) -> None:
    for template in [compute_template, *site_templates.values()]:
        assert not resources(template, "AWS::IAM::AccessKey")
        assert not resources(template, "AWS::IAM::ManagedPolicy")
        assert not resources(template, "AWS::IAM::UserToGroupAddition")
    # every edge user is in a site's nested stack, none in the compute stack itself
    assert not resources(compute_template, "AWS::IAM::User")
    users = {n for t in site_templates.values() for n in resources(t, "AWS::IAM::User")}
    assert len(users) == len(SITES)


def test_each_sites_stack_holds_its_group_and_user_and_no_alarm(
    compute_template: Template, site_templates: dict[str, Template]
) -> None:
    # one nested stack per hash bucket in use (site_stacks.py), passed the pool; a
    # silent site is the alerts Lambda's to find (alerts.py), not an alarm per site
    nested = resources(compute_template, "AWS::CloudFormation::Stack")
    assert len(nested) == len({site_stack_index(s) for s in SITES}) == 2
    pool = logical_id(compute_template, "AWS::Cognito::UserPool")
    topic = logical_id(compute_template, "AWS::SNS::Topic")
    for body in nested.values():
        parameters = body["Properties"]["Parameters"].values()
        assert {"Ref": pool} in parameters and {"Ref": topic} not in parameters
    for site in SITES:
        names = [
            g["Properties"]["GroupName"]
            for g in resources(site_templates[site], "AWS::Cognito::UserPoolGroup").values()
        ]
        assert names == [f"site-{site}"]  # fmt: skip
        assert not resources(site_templates[site], "AWS::CloudWatch::Alarm")


def test_dead_letter_and_error_alarms(compute_template: Template) -> None:
    alarms = resources(compute_template, "AWS::CloudWatch::Alarm").values()
    dlq = [a["Properties"] for a in alarms if a["Properties"]["Namespace"] == "AWS/SQS"]
    assert len(dlq) == 1
    assert dlq[0]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert (dlq[0]["ComparisonOperator"], dlq[0]["Threshold"]) == ("GreaterThanThreshold", 0)
    assert "IngestDeadLetters" in dlq[0]["Dimensions"][0]["Value"]["Fn::ImportValue"]
    errors = [a["Properties"] for a in alarms if a["Properties"]["Namespace"] == "AWS/Lambda"]
    alarmed = {e["Dimensions"][0]["Value"]["Ref"] for e in errors}
    assert alarmed == {function_id(compute_template, h) for h in HANDLERS.values()}
    for error in errors:
        assert (error["MetricName"], error["Threshold"]) == ("Errors", 0)


def test_alarm_topic_is_encrypted_and_tls_only(compute_template: Template) -> None:
    topic_id = logical_id(compute_template, "AWS::SNS::Topic")
    topic = only(compute_template, "AWS::SNS::Topic")["Properties"]
    key_id = logical_id(compute_template, "AWS::KMS::Key")
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    key = only(compute_template, "AWS::KMS::Key")["Properties"]
    assert key["EnableKeyRotation"] is True
    assert any(
        s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
        for s in key["KeyPolicy"]["Statement"]
    )
    policy = only(compute_template, "AWS::SNS::TopicPolicy")["Properties"]
    assert policy["Topics"] == [{"Ref": topic_id}]
    (deny,) = policy["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def routes(template: Template) -> dict[str, dict[str, Any]]:
    found = resources(template, "AWS::ApiGatewayV2::Route").values()
    return {r["Properties"]["RouteKey"]: r["Properties"] for r in found}


def test_api_routes_require_cognito_jwt_except_health(compute_template: Template) -> None:
    by_key = routes(compute_template)
    assert set(by_key) == {"ANY /api/{proxy+}", "GET /api/health"}
    authorizer_id = logical_id(compute_template, "AWS::ApiGatewayV2::Authorizer")
    assert by_key["ANY /api/{proxy+}"]["AuthorizationType"] == "JWT"
    assert by_key["ANY /api/{proxy+}"]["AuthorizerId"] == {"Ref": authorizer_id}
    assert by_key["GET /api/health"]["AuthorizationType"] == "NONE"
    authorizer = only(compute_template, "AWS::ApiGatewayV2::Authorizer")["Properties"]
    pool = logical_id(compute_template, "AWS::Cognito::UserPool")
    assert mentions(authorizer["JwtConfiguration"]["Issuer"], pool)
    client = logical_id(compute_template, "AWS::Cognito::UserPoolClient")
    assert authorizer["JwtConfiguration"]["Audience"] == [{"Ref": client}]


def test_api_stage_logs_and_throttles(compute_template: Template) -> None:
    stage = only(compute_template, "AWS::ApiGatewayV2::Stage")["Properties"]
    assert "DestinationArn" in stage["AccessLogSettings"]
    assert "$context.requestId" in stage["AccessLogSettings"]["Format"]
    throttle = stage["DefaultRouteSettings"]
    assert throttle["ThrottlingRateLimit"] > 0 and throttle["ThrottlingBurstLimit"] > 0


def test_user_pool_admin_only_strong_passwords_totp(compute_template: Template) -> None:
    resource = only(compute_template, "AWS::Cognito::UserPool")
    pool = resource["Properties"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    password = pool["Policies"]["PasswordPolicy"]
    assert password["MinimumLength"] >= 12
    assert all(
        password[k]
        for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols")
    )
    assert pool["MfaConfiguration"] == "OPTIONAL"
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert resource["DeletionPolicy"] == "Retain"


def test_groups_admin_and_one_per_site(
    compute_template: Template, site_templates: dict[str, Template]
) -> None:
    templates = [compute_template, *{id(t): t for t in site_templates.values()}.values()]
    groups = [g for t in templates for g in resources(t, "AWS::Cognito::UserPoolGroup").values()]
    names = sorted(g["Properties"]["GroupName"] for g in groups)
    assert names == sorted(["admin", "site-HO", "site-CABANG-01"])


def test_spa_client_is_public_code_flow_with_srp(compute_template: Template) -> None:
    client = only(compute_template, "AWS::Cognito::UserPoolClient")["Properties"]
    assert client["GenerateSecret"] is False
    assert client["AllowedOAuthFlows"] == ["code"]
    assert "ALLOW_USER_SRP_AUTH" in client["ExplicitAuthFlows"]
    assert "ALLOW_USER_PASSWORD_AUTH" not in client["ExplicitAuthFlows"]
    distribution = logical_id(compute_template, "AWS::CloudFront::Distribution")
    root = {"Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution, "DomainName"]}, "/"]]}
    # exactly what config.json gives the app as redirectUri: Cognito compares strings
    assert client["CallbackURLs"] == [root]
    assert client["LogoutURLs"] == [root]


def distribution_config(template: Template) -> dict[str, Any]:
    config: dict[str, Any] = only(template, "AWS::CloudFront::Distribution")["Properties"][
        "DistributionConfig"
    ]
    return config


def test_viewer_served_through_oac_over_https(compute_template: Template) -> None:
    config = distribution_config(compute_template)
    assert config["DefaultRootObject"] == "index.html"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    (s3_origin,) = [o for o in config["Origins"] if "S3OriginConfig" in o]
    oac = logical_id(compute_template, "AWS::CloudFront::OriginAccessControl")
    assert s3_origin["OriginAccessControlId"] == {"Fn::GetAtt": [oac, "Id"]}
    assert "Bucket" in config["Logging"]


def test_api_behavior_is_uncached_and_forwards_viewer_headers(
    compute_template: Template,
) -> None:
    config = distribution_config(compute_template)
    (api,) = config["CacheBehaviors"]
    assert api["PathPattern"] == "/api/*"
    assert api["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled
    assert (
        api["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    )  # AllViewerExceptHost
    assert len(api["AllowedMethods"]) == 7
    (origin,) = [o for o in config["Origins"] if o["Id"] == api["TargetOriginId"]]
    api_id = logical_id(compute_template, "AWS::ApiGatewayV2::Api")
    assert mentions(origin["DomainName"], api_id)
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"


def test_security_headers(compute_template: Template) -> None:
    policy = only(compute_template, "AWS::CloudFront::ResponseHeadersPolicy")["Properties"]
    headers = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"
    csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert "default-src 'self'" in csp
    assert "https://*.s3.ap-southeast-3.amazonaws.com" in csp
    assert "https://*.s3.amazonaws.com" in csp
    assert "blob:" in csp
    directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
    # pre-signed URLs are virtual-hosted: https://<bucket>.s3.<region>.amazonaws.com/...
    for directive in ("img-src", "media-src", "connect-src"):
        assert "https://*.s3.ap-southeast-3.amazonaws.com" in directives[directive]
    # the hosted UI's token endpoint: https://<prefix>.auth.<region>.amazoncognito.com
    assert "https://*.auth.ap-southeast-3.amazoncognito.com" in directives["connect-src"]
    config = distribution_config(compute_template)
    policy_id = logical_id(compute_template, "AWS::CloudFront::ResponseHeadersPolicy")
    for behavior in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]:
        assert behavior["ResponseHeadersPolicyId"] == {"Ref": policy_id}


def test_outputs(deployment: Deployment) -> None:
    data = Template.from_stack(deployment.data).to_json()["Outputs"]
    assert {"FootageBucketName", "CatalogTableName", "IngestQueueUrl"} <= set(data)
    compute = Template.from_stack(deployment.compute).to_json()["Outputs"]
    expected = {
        "ApiUrl",
        "ViewerUrl",
        "ViewerBucketName",
        "DistributionId",
        "DistributionDomainName",
        "UserPoolId",
        "UserPoolClientId",
        "UserPoolDomain",
        "AlarmTopicArn",
        "EdgeUserNamePrefix",
    }
    assert expected <= set(compute)
    # a name prefix, not an output per site: a stack has at most 200 outputs
    assert compute["EdgeUserNamePrefix"]["Value"] == "cctv-vms-edge-"


def site_deployment(template: Template) -> dict[str, Any]:
    return only(template, "Custom::CDKBucketDeployment")["Properties"]


def test_viewer_is_deployed_to_its_bucket_and_invalidated(compute_template: Template) -> None:
    props = site_deployment(compute_template)
    # the bucket CloudFront serves the app from
    (s3_origin,) = [
        o for o in distribution_config(compute_template)["Origins"] if "S3OriginConfig" in o
    ]
    site_bucket = s3_origin["DomainName"]["Fn::GetAtt"][0]
    assert props["DestinationBucketName"] == {"Ref": site_bucket}
    distribution = logical_id(compute_template, "AWS::CloudFront::Distribution")
    assert props["DistributionId"] == {"Ref": distribution}
    assert props["DistributionPaths"] == ["/*"]
    assert props["Prune"] is True
    assert len(props["SourceObjectKeys"]) == 2  # the built app and config.json


def staged_sources(template: Template, outdir: Path) -> list[Path]:
    """The deployment's sources as staged in the cloud assembly (asset.<hash>/)."""
    keys = site_deployment(template)["SourceObjectKeys"]
    return [outdir / f"asset.{key.removesuffix('.zip')}" for key in keys]


def test_the_deployed_app_is_the_built_viewer(compute_template: Template, outdir: Path) -> None:
    app, _ = staged_sources(compute_template, outdir)
    index = (app / "index.html").read_text(encoding="utf-8")
    assets = [p.name for p in (app / "assets").iterdir()]
    assert any(name.endswith(".js") and name in index for name in assets)
    assert not (app / "config.json").exists()  # only from the generated source


def test_config_json_points_the_app_at_cognito(compute_template: Template, outdir: Path) -> None:
    _, config_dir = staged_sources(compute_template, outdir)
    assert [p.name for p in config_dir.iterdir()] == ["config.json"]
    text = (config_dir / "config.json").read_text(encoding="utf-8")
    (markers,) = [m for m in site_deployment(compute_template)["SourceMarkers"] if m]
    # Deploy-time values: CDK replaces each marker with its JSON-quoted token.
    for marker in markers:
        text = text.replace(marker, json.dumps(marker))
    config = json.loads(text)
    assert config["apiBase"] == "" and config["auth"] == "cognito"
    cognito = {k: markers[v] for k, v in config["cognito"].items()}
    assert set(cognito) == {"domain", "clientId", "redirectUri"}
    domain = logical_id(compute_template, "AWS::Cognito::UserPoolDomain")
    assert cognito["domain"] == {
        "Fn::Join": ["", ['"https://', {"Ref": domain}, '.auth.ap-southeast-3.amazoncognito.com"']]
    }
    client = logical_id(compute_template, "AWS::Cognito::UserPoolClient")
    assert cognito["clientId"] == {"Fn::Join": ["", ['"', {"Ref": client}, '"']]}
    distribution = logical_id(compute_template, "AWS::CloudFront::Distribution")
    assert cognito["redirectUri"] == {
        "Fn::Join": ["", ['"https://', {"Fn::GetAtt": [distribution, "DomainName"]}, '/"']]
    }
