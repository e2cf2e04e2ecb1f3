"""The stateless stack: functions, API, auth, viewer and alarms; each site's group
and edge user in its nested ``Sites<n>`` stack (site_stacks.py)."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from cctv_infra import artifacts
from cctv_infra.alarms import Alarms
from cctv_infra.alerts import silent_sites_alarm
from cctv_infra.drill import drill_failure_alarm
from cctv_infra.http_api import HttpApi
from cctv_infra.lambdas import DataResources, Functions
from cctv_infra.settings import DeploySettings
from cctv_infra.site_stacks import SiteResources, site_stacks, stack_id
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
        self.users = UserPool(self, "Users", domain_prefix=aws.stack_prefix)
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
        self.alarms = self._build_alarms(settings, data)
        self.sites = self._build_sites(settings, data)
        self._build_outputs(aws.stack_prefix)

    def _build_sites(self, settings: DeploySettings, data: DataResources) -> list[SiteResources]:
        """Each nested stack of sites (site_stacks.py), given the pool and the topic."""
        return [self._build_site_stack(settings, data, index, site_ids)
                for index, site_ids in site_stacks(settings.site_ids).items()]  # fmt: skip

    def _build_site_stack(
        self, settings: DeploySettings, data: DataResources, index: int, site_ids: list[str]
    ) -> SiteResources:
        return SiteResources(
            self,
            stack_id("Sites", index),
            bucket=data.bucket,
            pool=self.users.pool,
            site_classes={s: settings.site_retention_classes(s) for s in site_ids},
            name_prefix=settings.aws.stack_prefix,
        )

    def _build_alarms(self, settings: DeploySettings, data: DataResources) -> Alarms:
        alarms = Alarms(self, "Alarms", email=settings.aws.alarm_email)
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
                "Drill": functions.drill,
                "Alerts": functions.alerts,
            }
        )
        drill_failure_alarm(alarms, alarms.topic)
        silent_sites_alarm(alarms, alarms.topic)
        return alarms

    def _build_outputs(self, stack_prefix: str) -> None:
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
            # <prefix>-edge-<SITE> (edge_access.py): one output per site would
            # pass CloudFormation's 200 outputs at ~190 sites
            "EdgeUserNamePrefix": f"{stack_prefix}-edge-",
        }
        for name, value in outputs.items():
            CfnOutput(self, name, value=value)
