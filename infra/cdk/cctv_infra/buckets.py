"""Bucket defaults shared by the footage, log and viewer buckets."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

ACCESS_LOG_DAYS = 365


def secure_bucket(scope: Construct, construct_id: str, **props: Any) -> s3.Bucket:
    """A private, TLS-only, encrypted bucket that outlives its stack.

    SSE-S3 rather than SSE-KMS: KMS bills every request (ingest and the viewer
    read each segment several times), and S3-managed keys give encryption at
    rest without that cost.
    """
    return s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        removal_policy=RemovalPolicy.RETAIN,
        **props,
    )


def log_bucket(scope: Construct, construct_id: str, ownership: s3.ObjectOwnership) -> s3.Bucket:
    return secure_bucket(
        scope,
        construct_id,
        object_ownership=ownership,
        lifecycle_rules=[
            s3.LifecycleRule(id="expire-logs", expiration=Duration.days(ACCESS_LOG_DAYS)),
        ],
    )
