"""cdk-nag AwsSolutions checks, and every accepted finding with its reason.

Suppressions are attached to the narrowest construct that raises them and,
for IAM5, to the specific wildcard (``applies_to``), so a new wildcard still fails.
"""

from __future__ import annotations

from aws_cdk import App, Aspects
from cdk_nag import AwsSolutionsChecks, NagPackSuppression, NagSuppressions, RegexAppliesTo
from constructs import IConstruct

from cctv_infra.compute_stack import ComputeStack
from cctv_infra.data_stack import DataStack

BASIC_EXECUTION_ROLE = (
    "AWSLambdaBasicExecutionRole is the AWS-maintained minimum for a Lambda function "
    "to write its own CloudWatch logs (logs:CreateLogStream/PutLogEvents); a copy "
    "of it as an inline policy would only drift from AWS's version."
)
NOTIFICATIONS_HANDLER = (
    "The role of aws-cdk-lib's BucketNotificationsHandler, a deploy-time custom "
    "resource that sets the bucket's event notification; CDK builds it with "
    "AWSLambdaBasicExecutionRole and it only writes its own logs."
)
FUNCTION_WILDCARDS = (
    "Each wildcard is bounded: Resource::* is X-Ray's PutTraceSegments/"
    "PutTelemetryRecords (X-Ray has no resource-level permissions); the s3:*Object* "
    "action groups come from CDK's grant_read/grant_delete on the footage bucket "
    "only; <bucket>/* is that bucket's objects, <bucket>/<prefix>/* one key prefix "
    "of it (the export function: segments/, renditions/, evidence/, manifests/ "
    "read, exports/ write) and <table>/index/* the table's GSIs."
)
_EDGE_PREFIX_ARN = "Resource::.*/(segments|thumbnails|manifests)/retention=[0-9]+/[^/]+/\\*"
EDGE_PREFIX = (
    "Each wildcard is one of the site's own upload prefixes, "
    "<segments|thumbnails>/retention=<days>/<SITE>/* for each retention class its "
    "cameras use and manifests/retention=<longest>/<SITE>/* for its signed manifests: "
    "the edge writes a new key per segment (per sprite, per manifest), and the only "
    "action is s3:PutObject (write-once by the bucket policy)."
)
SITE_DEPLOYMENT_ROLE = (
    "The role of aws-cdk-lib's BucketDeployment handler, a deploy-time custom "
    "resource that copies the built viewer into the viewer bucket; CDK builds it "
    "with AWSLambdaBasicExecutionRole, which only lets it write its own logs."
)
SITE_DEPLOYMENT_WILDCARDS = (
    "Written by aws-cdk-lib's BucketDeployment, which runs only during a deploy: it "
    "reads this app's zipped assets from the CDK bootstrap asset bucket, syncs them "
    "into the viewer bucket (s3:GetObject*/GetBucket*/List*/DeleteObject*/Abort* on "
    "that bucket and its objects only) and invalidates the distribution "
    "(cloudfront:CreateInvalidation/GetInvalidation, the statement with Resource::*). "
    "It has no access to the footage bucket or the table."
)
SITE_DEPLOYMENT_RUNTIME = (
    "The runtime of aws-cdk-lib's BucketDeployment handler (with its AWS CLI layer) "
    "is chosen by aws-cdk-lib, not here; it runs only during a deploy and moves "
    "with aws-cdk-lib upgrades."
)
#: Construct id (prefix) of the BucketDeployment's singleton handler function.
SITE_DEPLOYMENT_HANDLER = "Custom::CDKBucketDeployment"
HEALTH_ROUTE = (
    "GET /api/health is the one unauthenticated route: a liveness probe that returns "
    "no data. Every other route (ANY /api/{proxy+}) has the Cognito JWT authorizer."
)
RUNTIME_PIN = (
    "Pinned to python3.12 on purpose: the Lambda bundle's compiled wheels are "
    "installed for cp312 (artifacts.lambda_bundle) and the layer is tested with it; "
    "a runtime move changes RUNTIME and RUNTIME_PYTHON together after testing."
)
PLUS_PLAN = (
    "Cognito threat protection needs the Plus feature plan, billed per monthly "
    "active user. Users here are a few dozen staff created by admins (self sign-up "
    "off), with a 12-character complex password policy and TOTP MFA; switch "
    "feature_plan to PLUS in user_pool.py when the budget allows."
)
MFA_OPTIONAL = (
    "MFA is optional (TOTP, no SMS cost) so branch guards on shared site PCs "
    "without phones can still sign in; admins enroll TOTP (README). Set "
    "Mfa.REQUIRED in user_pool.py to enforce it for everyone."
)
DEFAULT_CERTIFICATE = (
    "No aws.domain is configured, so the distribution uses the default "
    "*.cloudfront.net certificate, whose minimum protocol CloudFront fixes at TLSv1; "
    "with aws.domain set the minimum is TLSv1.2_2021."
)
GEO_RESTRICTION = (
    "Viewers are staff who sign in through Cognito; a country block adds nothing "
    "to that and would lock out staff travelling abroad."
)
NO_WAF = (
    "aws.waf is off (the default): a web ACL costs about $9/month plus $0.60 per million "
    "requests. The API requires a Cognito JWT on every data route and its stage is "
    "throttled; the viewer bucket only serves the static app. Set aws.waf: true to "
    "attach one (waf.py: managed rules and a per-IP rate limit)."
)

LIVE_KEY_ROTATION = (
    "A site's live key is shared with that site's relay only (nginx secure_link reads "
    "it from the edge's VMS_LIVE_KEY), so a rotation Lambda cannot change it alone: "
    "rotate by hand, putting the new value on that edge first (README). The URLs it "
    "signs live 30 minutes; the API rereads each key within minutes."
)
LIVE_KEYS_READ = (
    "The API reads a camera's site key by name, <stack_prefix>/live/<SITE>: the wildcard "
    "is that name prefix (secretsmanager:GetSecretValue only). One ARN per site would "
    "outgrow the role's 10,240-character inline policy limit at about a hundred sites."
)

ALERT_SECRETS_READ = (
    "The alerts function (and the export function, which sends a shared clip once it "
    "is cut) reads the channels' secrets by name, <stack_prefix>/alerts/"
    "<name> (a bot token, an SMTP password, a webhook key), created by the admin: the "
    "wildcard is that name prefix (secretsmanager:GetSecretValue only)."
)


def add_checks(app: App) -> None:
    Aspects.of(app).add(AwsSolutionsChecks(verbose=True))


def suppress_data(stack: DataStack) -> None:
    for child in stack.node.children:
        if child.node.id.startswith("BucketNotificationsHandler"):
            _suppress(child, "AwsSolutions-IAM4", NOTIFICATIONS_HANDLER, children=True)
    for secret in stack.live_keys.values():
        _suppress(secret, "AwsSolutions-SMG4", LIVE_KEY_ROTATION)


def suppress_compute(stack: ComputeStack, has_domain: bool, has_waf: bool = False) -> None:
    for function in stack.functions.all:
        _suppress(function, "AwsSolutions-L1", RUNTIME_PIN)
        role = function.role
        if role is not None:
            _suppress(role, "AwsSolutions-IAM4", BASIC_EXECUTION_ROLE, _BASIC_EXECUTION_POLICY)
            # children=True: the grants land in the role's DefaultPolicy child.
            _suppress(role, "AwsSolutions-IAM5", FUNCTION_WILDCARDS, _FUNCTION_WILDCARDS, True)
    _suppress_site_deployment(stack)
    for sites in stack.sites:
        for policy in sites.edge.policies.values():
            _suppress(policy, "AwsSolutions-IAM5", EDGE_PREFIX, [_EDGE_PREFIX_ARN])
    api_role = stack.functions.api.role
    assert api_role is not None
    _suppress(api_role, "AwsSolutions-IAM5", LIVE_KEYS_READ, [_LIVE_KEYS_ARN], True)
    for function in (stack.functions.alerts, stack.functions.export):
        role = function.role
        assert role is not None
        _suppress(role, "AwsSolutions-IAM5", ALERT_SECRETS_READ, [_ALERT_SECRETS_ARN], True)
    _suppress(stack.http.health_route, "AwsSolutions-APIG4", HEALTH_ROUTE)
    _suppress(stack.users.pool, "AwsSolutions-COG8", PLUS_PLAN)
    _suppress(stack.users.pool, "AwsSolutions-COG2", MFA_OPTIONAL)
    distribution = stack.viewer.distribution
    _suppress(distribution, "AwsSolutions-CFR1", GEO_RESTRICTION)
    if not has_waf:
        _suppress(distribution, "AwsSolutions-CFR2", NO_WAF)
    if not has_domain:
        _suppress(distribution, "AwsSolutions-CFR4", DEFAULT_CERTIFICATE)


def _suppress_site_deployment(stack: ComputeStack) -> None:
    """The BucketDeployment's handler is a singleton at stack level, not under the
    viewer: found by its construct id, like the notifications handler."""
    for child in stack.node.children:
        if child.node.id.startswith(SITE_DEPLOYMENT_HANDLER):
            _suppress(child, "AwsSolutions-L1", SITE_DEPLOYMENT_RUNTIME)
    role = stack.site.handler_role
    _suppress(role, "AwsSolutions-IAM4", SITE_DEPLOYMENT_ROLE, _BASIC_EXECUTION_POLICY)
    _suppress(
        role, "AwsSolutions-IAM5", SITE_DEPLOYMENT_WILDCARDS, _SITE_DEPLOYMENT_WILDCARDS, True
    )


_BASIC_EXECUTION_POLICY = ["Policy::.*:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
_FUNCTION_WILDCARDS = [
    "Resource::\\*",
    "Action::s3:GetObject\\*",
    "Action::s3:GetBucket\\*",
    "Action::s3:List\\*",
    "Action::s3:DeleteObject\\*",
    "Resource::.*Footage.*/\\*",
    "Resource::.*CatalogTable.*/index/\\*",
]

_LIVE_KEYS_ARN = (
    "Resource::arn:<AWS::Partition>:secretsmanager:[a-z0-9-]+:<AWS::AccountId>:"
    "secret:[A-Za-z][A-Za-z0-9-]*/live/\\*"
)
_ALERT_SECRETS_ARN = (
    "Resource::arn:<AWS::Partition>:secretsmanager:[a-z0-9-]+:<AWS::AccountId>:"
    "secret:[A-Za-z][A-Za-z0-9-]*/alerts/\\*"
)
_SITE_DEPLOYMENT_WILDCARDS = [
    "Action::s3:GetObject\\*",
    "Action::s3:GetBucket\\*",
    "Action::s3:List\\*",
    "Action::s3:DeleteObject\\*",
    "Action::s3:Abort\\*",
    "Resource::arn:<AWS::Partition>:s3:::cdk-[a-z0-9]+-assets-<AWS::AccountId>-[a-z0-9-]+/\\*",
    "Resource::<ViewerSite[0-9A-F]{8}\\.Arn>/\\*",
    "Resource::\\*",
]


def _suppress(
    construct: IConstruct,
    rule: str,
    reason: str,
    applies_to: list[str] | None = None,
    children: bool = False,
) -> None:
    """Suppress ``rule`` on the construct's L1 resource (and its children if asked),
    only for findings matching ``applies_to`` when given."""
    patterns = [RegexAppliesTo(regex=f"/^{p}$/g") for p in applies_to] if applies_to else None
    NagSuppressions.add_resource_suppressions(
        construct,
        [NagPackSuppression(id=rule, reason=reason, applies_to=patterns)],
        apply_to_children=children,
    )
