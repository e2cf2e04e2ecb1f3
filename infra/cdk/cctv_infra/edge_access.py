"""Per-site edge credentials: one IAM user per site that can only upload its own footage
(segments and thumbnail sprites, in the retention classes its cameras use) and its
own status report."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from footage.keys import KeyKind, build_manifest_site_prefix, build_site_prefix, build_status_key

#: The kinds an edge writes: its segments (and originals) and its thumbnail sprites.
EDGE_KINDS = (KeyKind.SEGMENT, KeyKind.THUMBNAIL)


def logical_suffix(site_id: str) -> str:
    """Site id without the characters CloudFormation logical ids forbid."""
    return re.sub(r"[^A-Za-z0-9]", "", site_id)


def site_prefixes(site_id: str, retention_classes: Sequence[int]) -> list[str]:
    """What a site's edge may write: ``<kind>/retention=<days>/<SITE>/*`` for each
    kind it writes and each class its cameras use, spelled out. A wildcard across
    the class (``segments/retention=*/<SITE>/*``) would also match another site's
    camera named like this site (``segments/retention=30/OTHER/<SITE>/...``)."""
    footage = [
        f"{build_site_prefix(kind, site_id, days)}*"
        for kind in EDGE_KINDS
        for days in sorted(set(retention_classes))
    ]
    # its signed chain manifests, in the class of its longest retention (footage.manifest)
    manifests = [f"{build_manifest_site_prefix(site_id, max(retention_classes))}*"]
    return footage + (manifests if retention_classes else [])


class EdgeAccess(Construct):
    """IAM users rather than roles: a site server outside AWS has no identity to
    assume a role with. IAM Roles Anywhere would give it one (short-lived sessions
    from an X.509 certificate), but the certificate's private key sits on the same
    box as an access key would: a stolen box still holds a long-lived credential
    unless the key lives in a TPM, and each site then needs a CA-issued
    certificate, its renewal and AWS's signing helper. Access keys are created out
    of band (README), never in the template, and rotated per site without a deploy;
    ``vms status`` shows their age."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        site_classes: Mapping[str, Sequence[int]],
        name_prefix: str,
    ) -> None:
        """``site_classes``: each site and the retention classes its cameras use."""
        super().__init__(scope, construct_id)
        self.users: dict[str, iam.User] = {}
        self.policies: dict[str, iam.Policy] = {}
        for site_id, classes in site_classes.items():
            self._build_user(bucket, site_id, classes, name_prefix)

    def _build_user(
        self, bucket: s3.IBucket, site_id: str, classes: Sequence[int], name_prefix: str
    ) -> None:
        suffix = logical_suffix(site_id)
        user = iam.User(self, f"Edge{suffix}", user_name=f"{name_prefix}-edge-{site_id}")
        # s3:PutObject alone also covers multipart uploads (create, parts, complete).
        # No read, list or delete: a stolen site key can add footage for its own
        # site (never replace it: the bucket policy makes segments write-once) and
        # its thumbnail sprites, in its cameras' retention classes only (a class
        # the site does not use would outlive or undercut its cameras' retention),
        # and overwrite its own status report (status/<SITE>.json), nothing else;
        # an aborted multipart upload is cleaned up by the bucket's lifecycle
        # after a day. iam:ListAccessKeys on its own user only: `vms
        # status` shows the key's age (key ids and dates, never secrets).
        policy = iam.Policy(
            self,
            f"Edge{suffix}Upload",
            statements=[
                iam.PolicyStatement(
                    actions=["s3:PutObject"],
                    resources=[
                        *(bucket.arn_for_objects(p) for p in site_prefixes(site_id, classes)),
                        bucket.arn_for_objects(build_status_key(site_id)),
                    ],
                ),
                iam.PolicyStatement(actions=["iam:ListAccessKeys"], resources=[user.user_arn]),
            ],
        )
        policy.attach_to_user(user)
        self.users[site_id] = user
        self.policies[site_id] = policy
