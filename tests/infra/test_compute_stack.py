"""The compute stack: functions, layers, triggers, edge users, API, auth, viewer, alarms."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template
from cctv_infra.application import Deployment
from cctv_infra.lambdas import API_HANDLER, INGEST_HANDLER, SWEEP_HANDLER

from tests.infra.template_helpers import as_list, logical_id, mentions, only, resources, statements

HANDLERS = {"Ingest": INGEST_HANDLER, "Sweep": SWEEP_HANDLER, "Api": API_HANDLER}
SITES = ["HO", "CABANG-01"]


def functions(template: Template) -> dict[str, dict[str, Any]]:
    """The three functions by handler (the compute stack has no other Lambda)."""
    found = resources(template, "AWS::Lambda::Function")
    by_handler = {f["Properties"]["Handler"]: f for f in found.values()}
    assert set(by_handler) == set(HANDLERS.values())
    return by_handler


def function_id(template: Template, handler: str) -> str:
    return logical_id(template, "AWS::Lambda::Function", {"Properties": {"Handler": handler}})


def test_handler_paths_match_the_functions_package() -> None:
    assert HANDLERS == {
        "Ingest": "functions.ingest.handler.handler",
        "Sweep": "functions.sweep.handler.handler",
        "Api": "functions.api.handler.handler",
    }


def test_every_function_shares_runtime_arch_tracing_logging(compute_template: Template) -> None:
    for handler, function in functions(compute_template).items():
        props = function["Properties"]
        assert props["Runtime"] == "python3.12", handler
        assert props["Architectures"] == ["arm64"], handler  # example config: arm64
        assert props["TracingConfig"] == {"Mode": "Active"}, handler
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
    assert (ingest["MemorySize"], ingest["Timeout"]) == (1769, 300)
    assert ingest["EphemeralStorage"] == {"Size": 2048}
    sweep = by_handler[SWEEP_HANDLER]["Properties"]
    assert (sweep["MemorySize"], sweep["Timeout"]) == (1024, 900)
    api = by_handler[API_HANDLER]["Properties"]
    assert (api["MemorySize"], api["Timeout"]) == (1024, 29)
    env = api["Environment"]["Variables"]
    assert env["VMS_PRESIGN_SECONDS"] == "300"
    pool = logical_id(compute_template, "AWS::Cognito::UserPool")
    client = logical_id(compute_template, "AWS::Cognito::UserPoolClient")
    assert env["VMS_COGNITO_USER_POOL_ID"] == {"Ref": pool}
    assert env["VMS_COGNITO_CLIENT_ID"] == {"Ref": client}


def test_layers_are_attached_to_every_function(compute_template: Template) -> None:
    layers = resources(compute_template, "AWS::Lambda::LayerVersion")
    assert len(layers) == 2
    (ffmpeg_id,) = [k for k, v in layers.items() if "ffmpeg" in v["Properties"]["Description"]]
    assert layers[ffmpeg_id]["Properties"]["CompatibleArchitectures"] == ["arm64"]
    for layer in layers.values():
        assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    for handler, function in functions(compute_template).items():
        assert sorted(r["Ref"] for r in function["Properties"]["Layers"]) == sorted(layers), handler


def test_ingest_consumes_the_queue_with_partial_batch_failures(
    compute_template: Template,
) -> None:
    mapping = only(compute_template, "AWS::Lambda::EventSourceMapping")["Properties"]
    assert mapping["FunctionName"] == {"Ref": function_id(compute_template, INGEST_HANDLER)}
    assert mapping["BatchSize"] == 5
    assert mapping["MaximumBatchingWindowInSeconds"] == 5
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "IngestQueue" in mapping["EventSourceArn"]["Fn::ImportValue"]


def test_sweep_runs_daily_at_retention_run_at(compute_template: Template) -> None:
    rule = only(compute_template, "AWS::Events::Rule")["Properties"]
    assert rule["ScheduleExpression"] == "cron(0 2 * * ? *)"  # retention.run_at 02:00 UTC
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [function_id(compute_template, SWEEP_HANDLER), "Arn"]}


def role_statements(template: Template, handler: str) -> list[dict[str, Any]]:
    function = functions(template)[handler]
    role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = resources(template, "AWS::IAM::Policy")
    (policy,) = [p for p in policies.values() if {"Ref": role} in p["Properties"].get("Roles", [])]
    return statements(policy)


def s3_actions(template: Template, handler: str) -> set[str]:
    found: set[str] = set()
    for statement in role_statements(template, handler):
        found |= {a for a in as_list(statement["Action"]) if a.startswith("s3:")}
    return found


def test_least_privilege_s3_actions(compute_template: Template) -> None:
    assert s3_actions(compute_template, API_HANDLER) == {"s3:GetObject"}
    ingest = s3_actions(compute_template, INGEST_HANDLER)
    assert {"s3:PutObject", "s3:DeleteObject*"} <= ingest
    assert not {"s3:PutObjectTagging", "s3:PutObjectLegalHold"} & ingest
    sweep = s3_actions(compute_template, SWEEP_HANDLER)
    assert {"s3:List*", "s3:DeleteObject*"} <= sweep
    assert not any(a.startswith("s3:Put") for a in sweep)
    for actions in (ingest, sweep):
        assert not {"s3:PutObjectLegalHold", "s3:PutObjectRetention", "s3:*"} & actions
        assert not any(a.startswith("s3:Put") and a.endswith("*") for a in actions)


@pytest.mark.parametrize("site", SITES)
def test_edge_user_may_only_put_under_its_site_prefix(
    compute_template: Template, site: str
) -> None:
    user_id = logical_id(
        compute_template, "AWS::IAM::User", {"Properties": {"UserName": f"cctv-vms-edge-{site}"}}
    )
    user = resources(compute_template, "AWS::IAM::User")[user_id]["Properties"]
    assert set(user) == {"UserName"}  # no console password, groups, managed or inline policies
    attached = [
        p
        for p in resources(compute_template, "AWS::IAM::Policy").values()
        if {"Ref": user_id} in p["Properties"].get("Users", [])
    ]
    assert len(attached) == 1
    (statement,) = statements(attached[0])
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "s3:PutObject"
    join = statement["Resource"]["Fn::Join"]
    assert join[1][1] == f"/segments/{site}/*"
    assert "FootageBucket" in join[1][0]["Fn::ImportValue"]
    assert set(statement) == {"Effect", "Action", "Resource"}


def test_no_access_keys_or_other_user_attachments(compute_template: Template) -> None:
    assert not resources(compute_template, "AWS::IAM::AccessKey")
    assert not resources(compute_template, "AWS::IAM::ManagedPolicy")
    assert not resources(compute_template, "AWS::IAM::UserToGroupAddition")


@pytest.mark.parametrize("site", SITES)
def test_stale_site_alarm(compute_template: Template, site: str) -> None:
    alarm = only(
        compute_template,
        "AWS::CloudWatch::Alarm",
        {
            "Properties": {
                "Dimensions": [
                    {"Name": "service", "Value": "cctv-vms"},
                    {"Name": "site", "Value": site},
                ]
            }
        },
    )["Properties"]
    assert alarm["Dimensions"] == [
        {"Name": "service", "Value": "cctv-vms"},
        {"Name": "site", "Value": site},
    ]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("CctvVms", "SegmentsIngested")
    assert (alarm["Statistic"], alarm["Period"]) == ("Sum", 300)
    assert alarm["EvaluationPeriods"] == 3  # 15 minutes / 5
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("LessThanThreshold", 1)
    assert alarm["TreatMissingData"] == "breaching"
    assert alarm["AlarmActions"] == [{"Ref": logical_id(compute_template, "AWS::SNS::Topic")}]


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


def test_groups_admin_and_one_per_site(compute_template: Template) -> None:
    groups = resources(compute_template, "AWS::Cognito::UserPoolGroup").values()
    names = sorted(g["Properties"]["GroupName"] for g in groups)
    assert names == sorted(["admin", "site-HO", "site-CABANG-01"])


def test_spa_client_is_public_code_flow_with_srp(compute_template: Template) -> None:
    client = only(compute_template, "AWS::Cognito::UserPoolClient")["Properties"]
    assert client["GenerateSecret"] is False
    assert client["AllowedOAuthFlows"] == ["code"]
    assert "ALLOW_USER_SRP_AUTH" in client["ExplicitAuthFlows"]
    assert "ALLOW_USER_PASSWORD_AUTH" not in client["ExplicitAuthFlows"]
    distribution = logical_id(compute_template, "AWS::CloudFront::Distribution")
    assert mentions(client["CallbackURLs"], distribution)


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
        "EdgeUserHO",
        "EdgeUserCABANG01",
    }
    assert expected <= set(compute)
