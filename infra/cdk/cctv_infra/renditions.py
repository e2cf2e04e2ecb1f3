"""The rendition Lambda (H.264 parts of HEVC footage, made when a viewer asks:
footage.services.renditions), the API's right to call it, and the parts' lifecycle."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cctv_infra.lambda_factory import FunctionSpec, LambdaFactory
from footage.keys import EVIDENCE_PREFIX, KeyKind, build_class_prefix
from footage.services.renditions import RENDITION_CACHE_DAYS, RENDITION_CACHE_TAGS

RENDITION_HANDLER = "functions.rendition.handler.handler"
#: 1.7 vCPU: x264 and the HEVC decoder use them all; a 2 s 1080p part is ~0.75 CPU-s
#: (bench/rendition.py), within the API's wait for the first frame.
RENDITION_MEMORY_MB = 3008
#: One part, with the segment's download: far less; the API gives up at 29 s anyway.
RENDITION_TIMEOUT_S = 30
#: What a part is made from: the footage the catalog points at (segments, renditions
#: an ingest policy keeps as footage, held evidence).
RENDITION_SOURCES = (
    f"{KeyKind.SEGMENT.value}/",
    f"{KeyKind.RENDITION.value}/",
    EVIDENCE_PREFIX,
)


def build_rendition_function(
    scope: Construct, factory: LambdaFactory, bucket: s3.IBucket
) -> lambda_.Function:
    """Reads footage, writes tagged parts under renditions/ and nothing else."""
    spec = FunctionSpec(
        "Rendition", RENDITION_HANDLER, RENDITION_MEMORY_MB, RENDITION_TIMEOUT_S, ffmpeg=True
    )
    function = factory.build(scope, spec)
    function.add_to_role_policy(
        iam.PolicyStatement(
            actions=["s3:GetObject"],
            resources=[bucket.arn_for_objects(f"{prefix}*") for prefix in RENDITION_SOURCES],
        )
    )
    # The tag rides on the PUT (x-amz-tagging), which S3 authorizes as PutObjectTagging too.
    parts = bucket.arn_for_objects(f"{build_class_prefix(KeyKind.RENDITION, None)}*")
    function.add_to_role_policy(
        iam.PolicyStatement(actions=["s3:PutObject", "s3:PutObjectTagging"], resources=[parts])
    )
    return function


def allow_renditions(api: lambda_.Function, rendition: lambda_.Function) -> None:
    """The API invokes the function by name (the unqualified ARN only) and waits."""
    api.add_environment("VMS_RENDITION_FUNCTION", rendition.function_name)
    api.add_to_role_policy(
        iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[rendition.function_arn])
    )


def rendition_cache_rule() -> s3.LifecycleRule:
    """Parts are a cache: made again when watched after this. Selected by their tag,
    not the prefix alone (an ingest policy's renditions there are footage)."""
    return s3.LifecycleRule(
        id="rendition-cache",
        prefix=build_class_prefix(KeyKind.RENDITION, None),
        tag_filters=dict(RENDITION_CACHE_TAGS),
        expiration=Duration.days(RENDITION_CACHE_DAYS),
        noncurrent_version_expiration=Duration.days(1),
    )
