"""One live key per site: a generated secret named ``<stack_prefix>/live/<SITE>``.

Each key signs the live HLS URLs of one site's relay (nginx secure_link there reads
it as that edge's VMS_LIVE_KEY), so a stolen branch box holds its own site's key
and can mint live tokens for its own relay only. The API Lambda reads a camera's
site key by name (``VMS_LIVE_KEY_PREFIX`` + site): one variable instead of a map of
ARNs, which for 200 sites would not fit Lambda's 4 KB environment.

The secrets live in the data stack and are retained: every edge holds its key, so
a redeployed compute stack must not re-key every site.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from cctv_infra.edge_access import logical_suffix

#: 32 bytes as hex: what footage.secrets and the API's key source accept (>= 32 bytes).
KEY_HEX_DIGITS = 64


def live_key_prefix(stack_prefix: str) -> str:
    """What the API prepends to a site id to name that site's secret."""
    return f"{stack_prefix}/live/"


def live_key_name(stack_prefix: str, site_id: str) -> str:
    return f"{live_key_prefix(stack_prefix)}{site_id}"


def live_keys_read_statement(scope: Construct, stack_prefix: str) -> iam.PolicyStatement:
    """GetSecretValue on the deployment's live keys, by name prefix. One ARN pattern,
    not one per secret: an ARN per site would outgrow a role's 10,240-character
    inline-policy limit at about a hundred sites."""
    arn = Stack.of(scope).format_arn(
        service="secretsmanager",
        resource="secret",
        resource_name=f"{live_key_prefix(stack_prefix)}*",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )
    return iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[arn])


class LiveKeys(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, site_ids: Sequence[str], stack_prefix: str
    ) -> None:
        super().__init__(scope, construct_id)
        self._stack_prefix = stack_prefix
        self.secrets: dict[str, secretsmanager.Secret] = {
            site_id: self._build_secret(site_id) for site_id in site_ids
        }

    def name(self, site_id: str) -> str:
        return live_key_name(self._stack_prefix, site_id)

    def _build_secret(self, site_id: str) -> secretsmanager.Secret:
        return secretsmanager.Secret(
            self,
            f"LiveKey{logical_suffix(site_id)}",
            secret_name=self.name(site_id),
            description=f"cctv-vms: signs live HLS URLs of site {site_id}; VMS_LIVE_KEY of "
            "that site's edge only",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=KEY_HEX_DIGITS,
                exclude_punctuation=True,
                exclude_uppercase=True,
                include_space=False,
                exclude_characters="ghijklmnopqrstuvwxyz",
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
