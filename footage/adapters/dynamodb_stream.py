"""The footage table's stream, read the way Lambda's event source mapping reads it.

In AWS the CDK stack creates the stream and Lambda polls it. On a moto server
(``vms up --backend aws-local``, tests) :func:`ensure_stream` turns it on and a
:class:`StreamReader` polls every shard from where it stopped, handing out the
records in Lambda's event shape (``Records``) for the totals handler.
"""

from __future__ import annotations

from typing import Any, Final, Literal

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from footage.errors import CatalogError

VIEW_TYPE: Final[Literal["NEW_AND_OLD_IMAGES"]] = "NEW_AND_OLD_IMAGES"


def ensure_stream(table: str, region: str, endpoint_url: str | None) -> str:
    """The table's stream ARN, turning the stream on if it is off."""
    client = boto3.client("dynamodb", region_name=region, endpoint_url=endpoint_url)
    try:
        described = client.describe_table(TableName=table)["Table"]
        enabled = described.get("StreamSpecification", {}).get("StreamEnabled", False)
        if enabled and described.get("LatestStreamArn"):
            return str(described["LatestStreamArn"])
        updated = client.update_table(
            TableName=table,
            StreamSpecification={"StreamEnabled": True, "StreamViewType": VIEW_TYPE},
        )
        return str(updated["TableDescription"]["LatestStreamArn"])
    except (BotoCoreError, ClientError, KeyError) as exc:
        raise CatalogError(f"could not turn on the stream of {table}: {exc}") from exc


class StreamReader:
    """Polls every shard of one stream from its start (TRIM_HORIZON), remembering
    where each shard's reading stopped."""

    def __init__(self, stream_arn: str, region: str, endpoint_url: str | None) -> None:
        self.stream_arn = stream_arn
        self._client = boto3.client(
            "dynamodbstreams", region_name=region, endpoint_url=endpoint_url
        )
        self._iterators: dict[str, str | None] = {}

    def read(self) -> list[dict[str, Any]]:
        """Every record written since the last read, in each shard's order."""
        records: list[dict[str, Any]] = []
        try:
            shards = self._client.describe_stream(StreamArn=self.stream_arn)
            for shard in shards["StreamDescription"]["Shards"]:
                records += self._drain(shard["ShardId"])
        except (BotoCoreError, ClientError, KeyError) as exc:
            raise CatalogError(f"could not read the table's stream: {exc}") from exc
        return records

    def _drain(self, shard_id: str) -> list[dict[str, Any]]:
        iterator = (
            self._iterators.get(shard_id)
            or self._client.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
        )
        found: list[dict[str, Any]] = []
        while iterator:
            page = self._client.get_records(ShardIterator=iterator)
            batch = [dict(r) for r in page.get("Records", [])]
            found += batch
            next_iterator = page.get("NextShardIterator")
            self._iterators[shard_id] = next_iterator or iterator
            if not batch:
                break
            iterator = next_iterator
        return found
