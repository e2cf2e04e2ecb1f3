"""The age of the AWS access key this machine signs with, for ``vms status``.

A site's edge uploads with its own IAM user's access key (infra/cdk edge_access.py),
which may call iam:ListAccessKeys on that user only. Without a UserName, IAM lists
the keys of the caller's own user, so the edge needs no account id or user name.
Keys older than ROTATE_AFTER should be rotated (README: create, switch, delete).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from footage.errors import StorageError

#: AWS Security Hub (IAM.3) and CIS flag access keys older than this.
ROTATE_AFTER = timedelta(days=90)


class _IamClient(Protocol):
    def list_access_keys(self, **kwargs: Any) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class AccessKeyAge:
    access_key_id: str
    user_name: str
    created_at: datetime
    age: timedelta

    @property
    def stale(self) -> bool:
        return self.age > ROTATE_AFTER


def access_key_age(
    now: datetime, session: boto3.Session | None = None, endpoint_url: str | None = None
) -> AccessKeyAge | None:
    """The key ``session`` (default: boto3's credential chain) signs with, and its age
    at ``now``. None for temporary credentials (a role: nothing to rotate) or none at
    all. StorageError when IAM cannot be asked or does not list the key."""
    session = session or boto3.Session()
    credentials = session.get_credentials()
    if credentials is None:
        return None
    frozen = credentials.get_frozen_credentials()
    key_id = frozen.access_key
    if frozen.token or not key_id:  # STS session credentials expire by themselves
        return None
    client = cast(_IamClient, session.client("iam", endpoint_url=endpoint_url))
    try:
        listed = client.list_access_keys()
    except (BotoCoreError, ClientError) as exc:
        raise StorageError(f"cannot list this machine's access keys: {exc}") from exc
    for key in listed.get("AccessKeyMetadata", []):
        if key.get("AccessKeyId") == key_id:
            created: datetime = key["CreateDate"]
            return AccessKeyAge(key_id, str(key.get("UserName", "")), created, now - created)
    raise StorageError(f"IAM does not list access key {key_id} for this user")
