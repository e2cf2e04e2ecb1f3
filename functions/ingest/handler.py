"""Ingest Lambda: an SQS batch of S3 ObjectCreated notifications -> the ingest service.

Each SQS message is one record of a partial batch response: a message whose
objects all ingest (or are skipped, or quarantined as corrupt) is deleted; one
that fails on a transient error returns to the queue and, after the queue's
maxReceiveCount, goes to the DLQ. Idempotency lives in the service: the key
names one index row, and an object whose SHA-256 (or eTag) is already indexed
is a DUPLICATE that costs one HEAD and one read.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from footage.services.ingest import IngestResult, Outcome, ingest_object
from functions.ingest.events import MalformedNotification, created_objects
from functions.runtime import build_runtime
from functions.settings import IngestSettings

logger = Logger()
metrics = Metrics()
tracer = Tracer()
processor = BatchProcessor(event_type=EventType.SQS)
settings = IngestSettings()  # from the environment
context = build_runtime(settings).ingest_context()


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    try:
        objects = created_objects(record.body)
    except MalformedNotification as exc:  # retrying cannot help: drop it, loudly
        logger.error("dropped a message that is not an S3 notification: %s", exc)
        metrics.add_metric(name="MalformedMessages", unit=MetricUnit.Count, value=1)
        return
    for obj in objects:
        if obj.bucket != settings.bucket:
            logger.warning("object of another bucket ignored", extra={"key": obj.key})
            continue
        _report(ingest_object(context, obj.key))


def _report(result: IngestResult) -> None:
    site = result.segment.site if result.segment else None
    camera = result.segment.camera if result.segment else None
    logger.info(result.outcome.value, extra={"key": result.key, "site": site, "camera": camera})
    metrics.add_metric(
        name=f"Segments{result.outcome.value.title()}", unit=MetricUnit.Count, value=1
    )
    if site and result.outcome in {Outcome.INDEXED, Outcome.QUARANTINED, Outcome.CONFLICT}:
        with single_metric(name="SegmentsIngested", unit=MetricUnit.Count, value=1) as metric:
            metric.add_dimension(name="site", value=site)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=lambda_context
    )
