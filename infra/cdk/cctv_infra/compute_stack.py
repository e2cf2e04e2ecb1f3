"""The stateless stack: functions, API, auth, viewer, edge users and alarms."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from cctv_infra import artifacts
from cctv_infra.alarms import Alarms
from cctv_infra.edge_access import EdgeAccess, logical_suffix
from cctv_infra.http_api import HttpApi
from cctv_infra.lambdas import DataResources, Functions
from cctv_infra.settings import DeploySettings
from cctv_infra.user_pool import UserPool
from cctv_infra.viewer import Viewer, runtime_config


class ComputeStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        settings: DeploySettings,
        data: DataResources,
        web_acl_arn: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        aws = settings.aws
        self.users = UserPool(
            self, "Users", site_ids=settings.site_ids, domain_prefix=aws.stack_prefix
        )
        self.http = HttpApi(self, "Http", log_retention_days=aws.log_retention_days)
        self.viewer = Viewer(
            self, "Viewer", api_domain=self.http.domain_name, region=aws.region,
            domain=aws.domain, web_acl_arn=web_acl_arn,
        )  # fmt: skip
        self.client = self.users.add_spa_client(self.viewer.redirect_uri)
        self.site = self.viewer.deploy(
            artifacts.viewer_dist(),
            runtime_config(
                self.users.domain.base_url(),
                self.client.user_pool_client_id,
                self.viewer.redirect_uri,
            ),
            log_retention_days=aws.log_retention_days,
        )
        self.functions = Functions(
            self,
            "Functions",
            settings,
            data,
            api_environment={
                "VMS_COGNITO_USER_POOL_ID": self.users.pool.user_pool_id,
                "VMS_COGNITO_CLIENT_ID": self.client.user_pool_client_id,
            },
        )
        self.http.route_to(self.functions.api, self.users.pool, self.client)
        self.edge = EdgeAccess(
            self,
            "Edge",
            bucket=data.bucket,
            site_classes={s: settings.site_retention_classes(s) for s in settings.site_ids},
            name_prefix=aws.stack_prefix,
        )
        self.alarms = self._build_alarms(settings, data)
        self._build_outputs()

    def _build_alarms(self, settings: DeploySettings, data: DataResources) -> Alarms:
        alarms = Alarms(
            self,
            "Alarms",
            email=settings.aws.alarm_email,
            stale_minutes=settings.aws.stale_upload_minutes,
        )
        alarms.dead_letters(data.dlq)
        functions = self.functions
        alarms.function_errors(
            {
                "Ingest": functions.ingest,
                "Sweep": functions.sweep,
                "Api": functions.api,
                "Export": functions.export,
                "Totals": functions.totals,
                "Rendition": functions.rendition,
            }
        )
        alarms.stale_sites(settings.site_ids)
        return alarms

    def _build_outputs(self) -> None:
        outputs = {
            "ApiUrl": self.http.api.api_endpoint,
            "ViewerUrl": self.viewer.url,
            "ViewerBucketName": self.viewer.bucket.bucket_name,
            "DistributionId": self.viewer.distribution.distribution_id,
            "DistributionDomainName": self.viewer.distribution.distribution_domain_name,
            "UserPoolId": self.users.pool.user_pool_id,
            "UserPoolClientId": self.client.user_pool_client_id,
            "UserPoolDomain": self.users.domain.base_url(),
            "AlarmTopicArn": self.alarms.topic.topic_arn,
        }
        for site_id, user in self.edge.users.items():
            outputs[f"EdgeUser{logical_suffix(site_id)}"] = user.user_name
        for name, value in outputs.items():
            CfnOutput(self, name, value=value)
