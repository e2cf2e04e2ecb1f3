"""The serverless path on one machine: a moto server provisioned as the data stack
does it, and the real ingest and sweep handlers imported with their environment.

``with serverless(endpoint, tmp, cameras) as cloud:`` yields a :class:`Cloud`;
``cloud.pump()`` delivers the queue's S3 notifications to the ingest handler the
way Lambda's event source mapping does (partial batch failures stay queued).
"""

from __future__ import annotations

import importlib
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from botocore.client import BaseClient

from footage.adapters.aws_local import Provisioned, QueuePoller, ServerlessNames, provision
from footage.adapters.dynamodb import DynamoCatalog
from footage.adapters.s3 import S3Storage, make_s3_client
from footage.media import probe
from functions.local import LocalContext, sqs_event
from tests.support.totals_stream import StreamedCatalog

REGION = "us-east-1"
#: camera id -> (site, retention days)
Cameras = dict[str, tuple[str, int]]


@dataclass
class Cloud:
    endpoint: str
    names: ServerlessNames
    queues: Provisioned
    storage: S3Storage
    catalog: DynamoCatalog
    ingest: ModuleType
    sweep: ModuleType
    config: Path
    bodies: list[str]

    def pump(self) -> list[dict[str, Any]]:
        """Deliver until the queue is empty; return the handler's failure lists."""
        poller = QueuePoller(self.endpoint, REGION, self.queues.queue_url)
        failures: list[dict[str, Any]] = []
        for _ in range(50):
            messages = poller.receive(10, 1)
            if not messages:
                return failures
            self.bodies += [m["Body"] for m in messages]
            result = self.ingest.handler(
                sqs_event(messages, self.queues.queue_arn, REGION), LocalContext("ingest")
            )
            failures += result["batchItemFailures"]
            failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
            poller.delete([m["ReceiptHandle"] for m in messages if m["MessageId"] not in failed])
        raise AssertionError("the queue never drained")


def _config(
    path: Path, endpoint: str, bucket: str, cameras: Cameras, segment_events: bool,
    signing_keys: dict[str, list[dict[str, str]]],
) -> Path:  # fmt: skip
    sites = [{"id": "HO", "name": "Kantor Pusat"}, {"id": "CABANG-01", "name": "Cabang 01"}]
    config = {
        "sites": [{**s, "signing_keys": signing_keys[s["id"]]} if s["id"] in signing_keys else s
                  for s in sites],
        "aws": {"segment_events": segment_events},
        "cameras": [
            {"id": cam, "site": site, "name": cam, "rtsp_url": f"rtsp://10.0.0.9/{cam}",
             "retention_days": days}
            for cam, (site, days) in cameras.items()
        ],
        "storage": {"type": "s3", "bucket": bucket, "endpoint_url": endpoint, "region": REGION},
        "uploader": {"ingest": "cloud", "retry_initial_s": 0.2, "retry_max_s": 1},
    }  # fmt: skip
    path.write_text(yaml.safe_dump(config))
    return path


@contextmanager
def serverless(
    moto_server: str, tmp: Path, cameras: Cameras, *, segment_events: bool = True,
    signing_keys: dict[str, list[dict[str, str]]] | None = None,
) -> Iterator[Cloud]:  # fmt: skip
    """Fresh bucket, queue and table on ``moto_server``, and the handlers bound to them.
    The bucket announces every segment (``segment_events``, the per-segment path these
    tests exercise) or, as a default deployment, each site manifest's signature;
    ``signing_keys``: per site, its registered keys (SigningKey fields)."""
    suffix = uuid.uuid4().hex[:8]
    names = ServerlessNames(f"footage-{suffix}", f"footage-{suffix}", f"ingest-{suffix}")
    queues = provision(names, moto_server, REGION, segment_events=segment_events)
    config = _config(tmp / "config.yaml", moto_server, names.bucket, cameras, segment_events,
                     signing_keys or {})  # fmt: skip
    env = {
        "VMS_BUCKET": names.bucket, "VMS_TABLE": names.table, "VMS_CONFIG_PATH": str(config),
        "VMS_ENDPOINT_URL": moto_server, "VMS_REGION": REGION, "VMS_WORKDIR": str(tmp),
        "POWERTOOLS_SERVICE_NAME": "cctv-vms", "POWERTOOLS_METRICS_NAMESPACE": "CctvVms",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        # As in Lambda, whose layer has ffmpeg but no ffprobe.
        patch.setattr(probe, "default_backend", lambda: probe.ProbeBackend.FFMPEG)
        for module in ("functions.ingest.handler", "functions.sweep.handler"):
            sys.modules.pop(module, None)
        yield Cloud(
            moto_server, names, queues,
            S3Storage(make_s3_client(moto_server, REGION), names.bucket),
            StreamedCatalog(names.table, REGION, moto_server),  # totals via the stream
            importlib.import_module("functions.ingest.handler"),
            importlib.import_module("functions.sweep.handler"),
            config, [],
        )  # fmt: skip


def count_aws_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every AWS call made in this process from now on, by operation name (boto3 and
    PynamoDB alike: both go through botocore's ``BaseClient._make_api_call``)."""
    seen: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        seen[operation] += 1
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counted)
    return seen
