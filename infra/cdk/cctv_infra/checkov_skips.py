"""checkov findings we accept, each with its reason (the checkov twin of nag.py).

tests/infra/test_checkov.py runs checkov over the synthesized templates and fails
on any failed check that no entry here covers, and on any entry that covers
nothing (a stale skip). Each entry is scoped to the resources it names (a regex
over checkov's ``<Type>.<LogicalId>``), so the same check on a new resource fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cctv_infra import nag

#: The Lambda functions: ours (factory-built) and the deploy-time helpers aws-cdk-lib
#: adds (bucket notifications, BucketDeployment, cross-region references for the WAF).
_FUNCTIONS = (
    r"AWS::Lambda::Function\."
    r"(Functions(Ingest|Sweep|Api|Export|Rendition|Totals|Drill|Alerts)[0-9A-F]{8}"
    r"|BucketNotificationsHandler[0-9a-f]{32}[0-9A-F]{8}"
    r"|CustomCDKBucketDeployment[0-9A-F]{32}[0-9A-F]{8}"
    r"|CustomCrossRegionExport(Writer|Reader)CustomResourceProviderHandler[0-9A-F]{8})"
)
_LOG_BUCKETS = r"AWS::S3::Bucket\.(FootageAccessLogs|ViewerLogs)[0-9A-F]{8}"
_UNVERSIONED = r"AWS::S3::Bucket\.(FootageAccessLogs|ViewerLogs|ViewerSite)[0-9A-F]{8}"
_DISTRIBUTION = r"AWS::CloudFront::Distribution\.ViewerDistribution[0-9A-F]{8}"
_SITE_DEPLOYMENT_POLICY = (
    r"AWS::IAM::Policy\.CustomCDKBucketDeployment[0-9A-F]{32}ServiceRoleDefaultPolicy[0-9A-F]{8}"
)

NO_VPC = (
    "The functions reach only AWS APIs (S3, DynamoDB, Secrets Manager, Lambda) and "
    "hold no network position worth isolating; a VPC would need a NAT gateway "
    "(~$32/month) or interface endpoints per service for no gain. CDK's deploy-time "
    "helpers run the same way."
)
NO_RESERVED_CONCURRENCY = (
    "Reserved concurrency carves capacity out of the account pool that the other "
    "functions then lose. The API is bounded by its stage throttle (50 rps, burst "
    "100), ingest by the SQS batch size and the queue, the sweep and the restore "
    "drill run once a day, the alerts once a minute (under a minute each), the "
    "export one job per request; CDK's helpers run only during deploys."
)
NO_FUNCTION_DLQ = (
    "No function here loses an event without a trace: ingest consumes SQS, whose "
    "redrive policy is the dead-letter queue (alarmed); the API is synchronous; the "
    "sweep's and the restore drill's EventBridge targets retry twice and Errors "
    "alarm; the alerts run again the next minute from the same reports and outbox "
    "(a missed run loses nothing) and Errors alarm; an export records failure in "
    "its job and Errors alarm. CDK's helpers are CloudFormation custom resources, "
    "which report failure to the stack."
)
PLAIN_ENVIRONMENT = (
    "The environment holds names only (bucket, table, config path, the live-key and "
    "alert-secret name prefixes, Cognito ids), never a secret: the live keys and the "
    "alert channels' secrets are read from Secrets Manager at run time. Lambda "
    "encrypts environments at rest with an AWS key anyway."
)
SSE_SQS = (
    "The queues (ingest, its dead letters, the totals stream's failures) are "
    "encrypted at rest with SSE-SQS (SqsManagedSseEnabled: true); "
    "checkov 3.3.30's check only recognises KmsMasterKeyId. A KMS key would need a "
    "key policy for S3's notifications and bills every request."
)
TABLE_KEY = (
    "The table is encrypted with the AWS-managed DynamoDB key (SSEEnabled). A "
    "customer key adds a monthly fee and a KMS call per request batch, and only "
    "matters for cross-account access or key-policy separation, which nothing here has."
)
LIVE_KEYS_AT_REST = (
    "The live keys are encrypted with the default aws/secretsmanager key; only this "
    "account's API role reads them. A customer key only matters for cross-account "
    "sharing, which the live keys never need."
)
LOG_GROUP_KEY = (
    "CloudWatch Logs encrypts every log group at rest with its own key. The logs hold "
    "no secrets (camera passwords are redacted before anything is logged); a KMS key "
    "per group would need a key policy for the Logs service and bills each request."
)
LOG_BUCKET_LOGGING = (
    "These buckets receive the access logs (S3 server access logs, CloudFront "
    "logs); logging a log bucket into itself loops, and into another bucket only "
    "moves the question."
)
NO_VERSIONING = (
    "Log buckets keep each log object once (expired after 365 days); the viewer "
    "bucket holds the built web app, replaced whole from the repository on every "
    "deploy. Versions would only double their storage. The footage bucket is "
    "versioned, with Object Lock."
)
EDGE_USER_POLICY = (
    "The edge policies are attached to per-site IAM users on purpose: a site server "
    "outside AWS has no identity to assume a role with (edge_access.py). Each user "
    "has exactly this one policy, so a group would add a resource and no clarity."
)


@dataclass(frozen=True, slots=True)
class Skip:
    check: str
    resources: str  # a regex over checkov's "<Type>.<LogicalId>"
    reason: str

    def covers(self, check: str, resource: str) -> bool:
        return check == self.check and re.fullmatch(self.resources, resource) is not None


SKIPS: tuple[Skip, ...] = (
    Skip("CKV_AWS_117", _FUNCTIONS, NO_VPC),
    Skip("CKV_AWS_115", _FUNCTIONS, NO_RESERVED_CONCURRENCY),
    Skip("CKV_AWS_116", _FUNCTIONS, NO_FUNCTION_DLQ),
    Skip("CKV_AWS_173", _FUNCTIONS, PLAIN_ENVIRONMENT),
    Skip(
        "CKV_AWS_27",
        r"AWS::SQS::Queue\.(Ingest(Queue|DeadLetters)|FunctionsTotalsFailures)[0-9A-F]{8}",
        SSE_SQS,
    ),
    Skip("CKV_AWS_119", r"AWS::DynamoDB::Table\.CatalogTable[0-9A-F]{8}", TABLE_KEY),
    Skip("CKV_AWS_149", r"AWS::SecretsManager::Secret\.LiveKeysLiveKey\w+", LIVE_KEYS_AT_REST),
    Skip("CKV_AWS_158", r"AWS::Logs::LogGroup\.\w+Logs[0-9A-F]{8}", LOG_GROUP_KEY),
    Skip("CKV_AWS_18", _LOG_BUCKETS, LOG_BUCKET_LOGGING),
    Skip("CKV_AWS_21", _UNVERSIONED, NO_VERSIONING),
    # without aws.domain only; with it the distribution requires TLSv1.2_2021
    Skip("CKV_AWS_174", _DISTRIBUTION, nag.DEFAULT_CERTIFICATE),
    # without aws.waf only (the default); with it the distribution has the web ACL
    Skip("CKV_AWS_68", _DISTRIBUTION, nag.NO_WAF),
    Skip("CKV_AWS_111", _SITE_DEPLOYMENT_POLICY, nag.SITE_DEPLOYMENT_WILDCARDS),
    Skip("CKV_AWS_40", r"AWS::IAM::Policy\.EdgeEdge\w+Upload[0-9A-F]{8}", EDGE_USER_POLICY),
)
