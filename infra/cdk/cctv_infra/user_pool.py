"""Cognito: the viewer's users, an SPA client, the admin group, and the groups that
map to sites (each in its site's nested stack, site_stacks.py)."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

ADMIN_GROUP = "admin"


def site_group(site_id: str) -> str:
    """The group whose members may see one site (the API maps groups to sites)."""
    return f"site-{site_id}"


class UserPool(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, domain_prefix: str) -> None:
        super().__init__(scope, construct_id)
        self.pool = self._build_pool()
        self.domain = self.pool.add_domain(
            "Domain",
            cognito_domain=cognito.CognitoDomainOptions(
                # Account-qualified: Cognito prefixes are unique per region.
                domain_prefix=f"{domain_prefix.lower()}-{Aws.ACCOUNT_ID}"
            ),
        )
        self._build_admin_group()

    def add_spa_client(self, redirect_uri: str) -> cognito.UserPoolClient:
        """A public client (no secret): code grant with PKCE for the hosted UI, SRP
        for the viewer's own form. Tokens are short-lived; the refresh token is not."""
        return self.pool.add_client(
            "Viewer",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
                callback_urls=[redirect_uri],
                logout_urls=[redirect_uri],
            ),
            prevent_user_existence_errors=True,
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
        )

    def _build_pool(self) -> cognito.UserPool:
        return cognito.UserPool(
            self,
            "Pool",
            self_sign_up_enabled=False,  # admins create users (README: Deploy to AWS)
            sign_in_aliases=cognito.SignInAliases(username=True, email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            # Threat protection needs the Plus plan (billed per active user); the
            # Essentials plan is the no-extra-cost default. See nag.py (COG3/COG8).
            feature_plan=cognito.FeaturePlan.ESSENTIALS,
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _build_admin_group(self) -> None:
        cognito.UserPoolGroup(
            self,
            "AdminGroup",
            user_pool=self.pool,
            group_name=ADMIN_GROUP,
            description="all sites, user and evidence management",
        )


def add_site_groups(scope: Construct, pool: cognito.IUserPool, site_ids: Sequence[str]) -> None:
    """One group per site (its viewers), in ``scope``: the site's nested stack."""
    for site_id in site_ids:
        cognito.UserPoolGroup(
            scope,
            f"Site{site_id}Group",
            user_pool=pool,
            group_name=site_group(site_id),
            description=f"viewers of site {site_id}",
        )
