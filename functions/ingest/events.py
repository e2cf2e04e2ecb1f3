"""S3 notifications as they arrive in an SQS message body.

S3 sends ``s3:TestEvent`` (no records) when a notification is configured, and
URL-encodes object keys (a space arrives as ``+``). Only ObjectCreated records
are footage; other event names are ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event


@dataclass(frozen=True, slots=True)
class CreatedObject:
    bucket: str
    key: str
    etag: str | None
    size: int


class MalformedNotification(ValueError):
    """The message body is not an S3 notification; retrying will not fix it."""


def created_objects(body: str) -> list[CreatedObject]:
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise MalformedNotification(f"not JSON: {body[:80]!r}") from exc
    if not isinstance(payload, dict):
        raise MalformedNotification("not an S3 notification object")
    if payload.get("Event") == "s3:TestEvent":
        return []
    if "Records" not in payload:
        raise MalformedNotification("no Records in the S3 notification")
    found = []
    for record in S3Event(payload).records:
        if not record.event_name.startswith("ObjectCreated:"):
            continue
        obj = record.s3.get_object
        found.append(
            CreatedObject(record.s3.bucket.name, unquote_plus(obj.key), obj.etag, obj.size)
        )
    return found
