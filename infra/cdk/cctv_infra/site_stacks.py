"""What each site adds to a deployment, in nested stacks, so a fleet of sites stays
under CloudFormation's 500 resources (and 200 outputs) per stack.

Per site the compute stack has three resources (its viewers' Cognito group, its
edge IAM user and that user's policy) and the data stack one (its live key); a
silent site is found by the fleet's alerts Lambda (alerts.py), not by an alarm
per site. 200 sites made an 870-resource compute stack when each also had its
alarm. The sites are spread over up to SITE_STACKS nested stacks of each:
``Sites<n>`` under the compute stack (groups, edge users and policies) and
``LiveKeys<n>`` under the data stack (secrets, retained like the data stack's
own resources). Nested stacks deploy with their
parent: ``cdk deploy --all`` and the stack names stay as they were.

A site's stack is a hash of its id, not its place in the config: adding or
removing a site never moves another one, which CloudFormation would do by
deleting the resource in one stack and creating it in another (a named IAM user,
group or secret would collide with itself, and a group would lose its members).
With SITE_STACKS stacks of at most MAX_SITES_PER_STACK sites, ~1,000 sites fit;
a config whose sites crowd one stack past that is refused at synthesis.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import NestedStack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cctv_infra.edge_access import EdgeAccess
from cctv_infra.live_keys import LiveKeys
from cctv_infra.user_pool import add_site_groups

#: Nested stacks per parent that sites are hashed into (a fixed number: changing
#: it moves sites between stacks, see above).
SITE_STACKS = 10
#: Per site: a group, a user and its policy (a live key on the data side): 140
#: sites are 420 resources, under 450.
MAX_SITES_PER_STACK = 140
#: CloudFormation's own limit, and the headroom the tests hold every stack to.
STACK_RESOURCE_LIMIT = 500


def site_stack_index(site_id: str) -> int:
    """The nested stack (0 .. SITE_STACKS-1) a site's resources live in, for good."""
    digest = hashlib.sha256(site_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % SITE_STACKS


def site_stacks(site_ids: Sequence[str]) -> dict[int, list[str]]:
    """The sites of each nested stack that has any (config order within one)."""
    found: dict[int, list[str]] = {}
    for site_id in site_ids:
        found.setdefault(site_stack_index(site_id), []).append(site_id)
    crowded = {n: len(s) for n, s in found.items() if len(s) > MAX_SITES_PER_STACK}
    if crowded:
        raise ValueError(
            f"{len(site_ids)} sites put {max(crowded.values())} in one nested stack; at most "
            f"{MAX_SITES_PER_STACK} fit under CloudFormation's {STACK_RESOURCE_LIMIT} "
            "resources (cctv_infra/site_stacks.py): split the fleet into two deployments "
            "(aws.stack_prefix)"
        )
    return dict(sorted(found.items()))


def stack_id(kind: str, index: int) -> str:
    """``Sites3``, ``LiveKeys3``: the construct id, numbered from 1."""
    return f"{kind}{index + 1}"


class SiteResources(NestedStack):
    """One nested stack's sites in the compute stack: each site's viewers' group and
    its edge user (edge_access.py)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        pool: cognito.IUserPool,
        site_classes: Mapping[str, Sequence[int]],
        name_prefix: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        site_ids = list(site_classes)
        add_site_groups(self, pool, site_ids)
        self.edge = EdgeAccess(
            self, "Edge", bucket=bucket, site_classes=site_classes, name_prefix=name_prefix
        )


class LiveKeyResources(NestedStack):
    """One nested stack's sites in the data stack: their live keys (live_keys.py)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        site_ids: Sequence[str],
        stack_prefix: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.live_keys = LiveKeys(self, "LiveKeys", site_ids=site_ids, stack_prefix=stack_prefix)


def resources_per_stack(sites: int) -> int:
    """What a nested stack of ``sites`` holds on the compute side (the bound above)."""
    return 3 * sites
