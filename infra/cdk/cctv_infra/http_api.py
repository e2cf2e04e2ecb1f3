"""API Gateway HTTP API in front of the FastAPI Lambda, behind a Cognito JWT authorizer."""

from __future__ import annotations

import jsii
from aws_cdk import Aws
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from cctv_infra.log_groups import log_group

#: The only unauthenticated route: load balancers and the README's smoke test.
HEALTH_PATH = "/api/health"
PROXY_PATH = "/api/{proxy+}"
# A handful of viewers per site; this caps a runaway client well below the
# account's Lambda concurrency.
RATE_LIMIT = 50
BURST_LIMIT = 100


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    def __init__(self, group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(group)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return apigw.AccessLogFormat.json_with_standard_fields(
            caller=False,
            http_method=True,
            ip=True,
            protocol=True,
            request_time=True,
            resource_path=True,
            response_length=True,
            status=True,
            user=True,
        )


class HttpApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        log_retention_days: int,
    ) -> None:
        """The API and its stage; routes come later (:meth:`route_to`), since the
        function's environment needs the Cognito client, whose callback URL needs
        the CloudFront domain, whose origin is this API."""
        super().__init__(scope, construct_id)
        # No CORS: the browser reaches the API through CloudFront's /api/* on the
        # viewer's own origin.
        self.api = apigwv2.HttpApi(self, "Api", create_default_stage=False)
        self._build_stage(log_retention_days)

    @property
    def domain_name(self) -> str:
        """Host name for CloudFront's HttpOrigin (no scheme, no path)."""
        return f"{self.api.api_id}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}"

    def _build_stage(self, log_retention_days: int) -> None:
        apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.api,
            stage_name="$default",
            auto_deploy=True,
            access_log_settings=_AccessLogSettings(
                log_group(self, "AccessLogs", log_retention_days)
            ),
            throttle=apigwv2.ThrottleSettings(rate_limit=RATE_LIMIT, burst_limit=BURST_LIMIT),
        )

    def route_to(
        self,
        function: lambda_.IFunction,
        user_pool: cognito.IUserPool,
        client: cognito.IUserPoolClient,
    ) -> None:
        integration = integrations.HttpLambdaIntegration("Lambda", function)
        authorizer = authorizers.HttpUserPoolAuthorizer(
            "Cognito", user_pool, user_pool_clients=[client]
        )
        self.api.add_routes(
            path=PROXY_PATH,
            methods=[apigwv2.HttpMethod.ANY],
            integration=integration,
            authorizer=authorizer,
        )
        (self.health_route,) = self.api.add_routes(
            path=HEALTH_PATH,
            methods=[apigwv2.HttpMethod.GET],
            integration=integration,
            authorizer=apigwv2.HttpNoneAuthorizer(),
        )
