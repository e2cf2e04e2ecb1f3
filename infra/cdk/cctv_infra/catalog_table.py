"""The DynamoDB footage table, derived from footage's PynamoDB item classes.

The key schema and TTL attribute are read from the model (the adapter's single
source of truth), so a schema change there changes the table here and
tests/infra notices it. The table has no secondary index (every query is per
camera: footage.adapters.dynamodb) and a stream of old and new images, which the
totals Lambda reads to keep camera totals right whoever deletes a row (TTL too).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from footage.adapters.dynamodb_models import SegmentItem

_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}


def model_schema() -> dict[str, Any]:
    """PynamoDB's CreateTable view of the segment model (keys, GSIs, attribute types)."""
    return dict(SegmentItem._get_schema())


class CatalogTable(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        schema = model_schema()
        self._types = {
            a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]
        }
        if schema.get("global_secondary_indexes"):
            raise ValueError("SegmentItem declares a GSI: the table is built without any")
        self.table = self._build_table(schema["key_schema"])

    def _build_table(self, key_schema: list[dict[str, str]]) -> dynamodb.Table:
        ttl = SegmentItem._ttl_attribute()  # type: ignore[no-untyped-call]
        if ttl is None:
            raise ValueError("SegmentItem has no TTLAttribute: retention relies on it")
        hash_key, range_key = self._keys(key_schema)
        return dynamodb.Table(
            self,
            "Table",
            partition_key=hash_key,
            sort_key=range_key,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            time_to_live_attribute=ttl.attr_name,
            # Totals follow inserts, changes and removals (TTL's) from here.
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
            # The index is the catalog of evidence; never lose it with the stack.
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _keys(
        self, key_schema: list[dict[str, str]]
    ) -> tuple[dynamodb.Attribute, dynamodb.Attribute | None]:
        by_type = {k["KeyType"]: k["AttributeName"] for k in key_schema}
        hash_key = self._attribute(by_type["HASH"])
        range_name = by_type.get("RANGE")
        return hash_key, self._attribute(range_name) if range_name else None

    def _attribute(self, name: str) -> dynamodb.Attribute:
        return dynamodb.Attribute(name=name, type=_TYPES[self._types[name]])
