"""``vms up --backend aws-local``: the serverless path on one machine.

A moto server plays AWS. On it we create what the CDK data stack creates (the
footage bucket with its ObjectCreated notification, the ingest queue and DLQ,
the index table). The edge runs as it would at a branch in AWS mode: it records
and uploads, and leaves indexing and retention to the cloud. ``python -m
functions.local`` plays Lambda: it polls the queue and invokes the real ingest
handler, and runs the sweep handler on its schedule. The two are separate
processes (the deployables never import each other).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import yaml

from edge_uploader.harness.ports import free_port
from footage.adapters.aws_local import Provisioned, ServerlessNames, provision
from footage.config import Config, DynamoIndex, IngestMode, S3Storage
from footage.errors import FootageError
from footage.logfiles import CHILD_LOG, spawn_logged
from footage.procs import die_with_parent, stop_process

REGION = "ap-southeast-3"
NAMES = ServerlessNames(bucket="cctv-vms-footage", table="cctv-vms-index", queue="cctv-vms-ingest")
#: aws-local never talks to AWS; boto3 still wants credentials to sign with.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "aws-local", "AWS_SECRET_ACCESS_KEY": "aws-local"}


class LocalCloudError(FootageError):
    """The local stand-in for AWS could not start."""


@dataclass(frozen=True, slots=True)
class LocalCloud:
    endpoint_url: str
    queues: Provisioned
    config: Config
    config_path: Path


#: How often the aws-local demo's edge seals its site manifests (what indexes its footage).
DEMO_MANIFEST_INTERVAL_S = 20


def cloud_config(config: Config, endpoint_url: str) -> Config:
    """The edge config pointed at the local cloud: S3 + DynamoDB there, cloud ingest."""
    storage = S3Storage(type="s3", bucket=NAMES.bucket, endpoint_url=endpoint_url, region=REGION)
    index = DynamoIndex(
        type="dynamodb", table=NAMES.table, endpoint_url=endpoint_url, region=REGION
    )
    # The bucket announces site manifests (aws.segment_events off, as deployed): a
    # demo seals them every DEMO_MANIFEST_INTERVAL_S, not every 10 minutes, so its
    # footage is listed within a minute of its upload.
    uploader = config.uploader.model_copy(
        update={"ingest": IngestMode.CLOUD, "manifest_interval_s": DEMO_MANIFEST_INTERVAL_S}
    )
    return config.model_copy(update={"storage": storage, "index": index, "uploader": uploader})


def start(config: Config, state_dir: Path, stack: ExitStack, port: int | None = None) -> LocalCloud:
    """Start moto and the Lambda runner (stopped by ``stack``); return the cloud config."""
    os.environ.update(FAKE_CREDENTIALS)
    state_dir.mkdir(parents=True, exist_ok=True)
    endpoint = start_moto(port or free_port(), state_dir / "moto.log", stack)
    queues = provision(NAMES, endpoint, REGION, segment_events=config.aws.segment_events)
    cloud = cloud_config(config, endpoint)
    path = state_dir / "config.yaml"
    path.write_text(yaml.safe_dump(cloud.model_dump(mode="json", exclude_none=True)))
    env = _lambda_env(endpoint, queues, path, state_dir)
    _spawn([sys.executable, "-m", "functions.local"], env, state_dir / "lambda.log", stack)
    return LocalCloud(endpoint, queues, cloud, path)


#: The alerts Lambda reads its channels' secrets from moto's Secrets Manager here
#: (README "Alerts": the same names as in AWS).
ALERT_SECRET_PREFIX = "cctv-vms/alerts/"  # noqa: S105 (a name prefix, no secret)


def _lambda_env(endpoint: str, queues: Provisioned, config: Path, state: Path) -> dict[str, str]:
    """What the CDK stack sets on the functions, plus the local endpoint and queue."""
    (state / "tmp").mkdir(exist_ok=True)
    return {
        **os.environ, **FAKE_CREDENTIALS,
        "VMS_BUCKET": NAMES.bucket, "VMS_TABLE": NAMES.table, "VMS_CONFIG_PATH": str(config),
        "VMS_REGION": REGION, "VMS_ENDPOINT_URL": endpoint, "VMS_WORKDIR": str(state / "tmp"),
        "VMS_QUEUE_URL": queues.queue_url, "VMS_QUEUE_ARN": queues.queue_arn,
        "VMS_ALERT_SECRET_PREFIX": ALERT_SECRET_PREFIX,
        "POWERTOOLS_SERVICE_NAME": "cctv-vms", "POWERTOOLS_METRICS_NAMESPACE": "CctvVms",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }  # fmt: skip


def start_moto(port: int, log: Path, stack: ExitStack) -> str:
    """A moto server on loopback ``port``, stopped by ``stack``; returns its URL."""
    script = Path(sys.executable).parent / "moto_server"
    if not script.exists() and shutil.which("moto_server") is None:
        raise LocalCloudError("aws-local needs moto[server] (a dev dependency): run `make deps`")
    command = [
        str(script if script.exists() else "moto_server"),
        "-H",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    proc = _spawn(command, dict(os.environ), log, stack)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LocalCloudError(f"moto server exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url + "/moto-api/", timeout=1):  # noqa: S310 (loopback)
                return url
        except OSError:
            time.sleep(0.2)
    raise LocalCloudError(f"moto server did not answer on {url}; see {log}")


def _spawn(
    command: list[str], env: dict[str, str], log: Path, stack: ExitStack
) -> subprocess.Popen[bytes]:
    proc, _ = spawn_logged(  # the log rotated to .1 past its limit (footage.logfiles)
        command, log, CHILD_LOG, with_stdout=True, env=env, preexec_fn=die_with_parent
    )
    stack.callback(stop_process, proc)
    return proc
