"""The web viewer: a private bucket behind CloudFront, with /api/* sent to the HTTP API,
and the built app deployed to it with its runtime config.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from cctv_infra.buckets import log_bucket, secure_bucket
from cctv_infra.log_groups import log_group
from footage.config import AwsDomain

API_BEHAVIOR = "/api/*"
HSTS_SECONDS = 2 * 365 * 24 * 3600
#: Read by the app at start-up (web/src/config.ts), next to index.html.
CONFIG_OBJECT = "config.json"


def runtime_config(cognito_domain: str, client_id: str, redirect_uri: str) -> dict[str, Any]:
    """config.json: the API on the same origin (CloudFront /api/*), sign-in by the
    Cognito hosted UI (code flow with PKCE) returning to the viewer's root."""
    return {
        "apiBase": "",
        "auth": "cognito",
        "cognito": {"domain": cognito_domain, "clientId": client_id, "redirectUri": redirect_uri},
    }


def content_security_policy(region: str) -> str:
    """Same origin for app and API; media comes from presigned S3 URLs (hls.js
    fetches them and feeds blob: URLs to the video element and its worker);
    sign-in talks to Cognito."""
    s3_hosts = f"https://*.s3.{region}.amazonaws.com https://*.s3.amazonaws.com"
    cognito = (
        f"https://cognito-idp.{region}.amazonaws.com https://*.auth.{region}.amazoncognito.com"
    )
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data: blob: {s3_hosts}",
            f"media-src 'self' blob: {s3_hosts}",
            f"connect-src 'self' {s3_hosts} {cognito}",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ]
    )


class Viewer(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api_domain: str,
        region: str,
        domain: AwsDomain | None,
        web_acl_arn: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._web_acl_arn = web_acl_arn  # WAF (waf.py, us-east-1), when aws.waf is on
        # ACLs enabled: CloudFront's standard logging still delivers through the
        # bucket ACL; S3 access logs use a bucket policy.
        self.log_bucket = log_bucket(self, "Logs", s3.ObjectOwnership.BUCKET_OWNER_PREFERRED)
        self.bucket = secure_bucket(
            self,
            "Site",
            server_access_logs_bucket=self.log_bucket,
            server_access_logs_prefix="viewer-bucket/",
        )
        self._domain = domain
        self.distribution = self._build_distribution(api_domain, self._build_headers(region))

    @property
    def url(self) -> str:
        host = self._domain.name if self._domain else self.distribution.distribution_domain_name
        return f"https://{host}"

    @property
    def redirect_uri(self) -> str:
        """Where Cognito sends users back: the root, as the browser spells it (with
        the slash). Cognito compares callback URLs as exact strings."""
        return f"{self.url}/"

    def deploy(
        self, dist: Path, config: dict[str, Any], log_retention_days: int
    ) -> s3deploy.BucketDeployment:
        """Upload the built app and config.json (which may hold tokens: CDK fills
        them in at deploy time), prune what the build no longer has, and invalidate
        the distribution so the new index.html and config.json are served at once."""
        return s3deploy.BucketDeployment(
            self,
            "Deploy",
            sources=[
                s3deploy.Source.asset(str(dist)),
                s3deploy.Source.json_data(CONFIG_OBJECT, config),
            ],
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            log_group=log_group(self, "DeployLogs", log_retention_days),
        )

    def _build_headers(self, region: str) -> cloudfront.ResponseHeadersPolicy:
        return cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.seconds(HSTS_SECONDS),
                    include_subdomains=True,
                    override=True,
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
                    override=True,
                ),
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(region), override=True
                ),
            ),
        )

    def _build_distribution(
        self, api_domain: str, headers: cloudfront.ResponseHeadersPolicy
    ) -> cloudfront.Distribution:
        return cloudfront.Distribution(
            self,
            "Distribution",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                response_headers_policy=headers,
            ),
            additional_behaviors={API_BEHAVIOR: self._api_behavior(api_domain, headers)},
            default_root_object="index.html",
            # PriceClass_200 includes the Asian edges (Jakarta among them) and skips
            # the dearest regions; PriceClass_100 would serve Indonesia from afar.
            price_class=cloudfront.PriceClass.PRICE_CLASS_200,
            enable_logging=True,
            log_bucket=self.log_bucket,
            log_file_prefix="cloudfront/",
            # Only with aws.domain: the default *.cloudfront.net certificate
            # cannot take a minimum protocol (see nag.py, CFR4).
            domain_names=[self._domain.name] if self._domain else None,
            certificate=self._certificate(),
            minimum_protocol_version=(
                cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if self._domain else None
            ),
            web_acl_id=self._web_acl_arn,
        )

    def _api_behavior(
        self, api_domain: str, headers: cloudfront.ResponseHeadersPolicy
    ) -> cloudfront.BehaviorOptions:
        # With caching disabled, ALL_VIEWER_EXCEPT_HOST_HEADER also forwards the
        # Authorization header (the JWT); the Host must be API Gateway's own.
        return cloudfront.BehaviorOptions(
            origin=origins.HttpOrigin(
                api_domain, protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY
            ),
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            response_headers_policy=headers,
        )

    def _certificate(self) -> acm.ICertificate | None:
        if self._domain is None:
            return None
        return acm.Certificate.from_certificate_arn(
            self, "Certificate", self._domain.certificate_arn
        )
