"""kill -9 the uploader again and again mid-transfer: nothing lost, nothing twice."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.s3 import S3Storage, make_s3_client
from footage.keys import build_segment_key, build_spool_name
from footage.storage import Storage

pytestmark = pytest.mark.integration
VMS = str(Path(sys.executable).parent / "vms")
CAMERAS = {"ho-1": "HO", "cab-1": "CABANG-01"}


def _config(tmp_path: Path, storage: dict) -> Path:
    config = {
        "sites": [{"id": "HO", "name": "HO"}, {"id": "CABANG-01", "name": "Cabang 01"}],
        "cameras": [
            {"id": cam, "site": site, "name": cam, "rtsp_url": f"rtsp://127.0.0.1/{cam}"}
            for cam, site in CAMERAS.items()
        ],
        "storage": storage,
        "uploader": {"workers": 2, "retry_initial_s": 0.1, "retry_max_s": 0.5},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _spool_segments(data_dir: Path, per_camera: int, rng: random.Random) -> dict[str, str]:
    """Write segments straight into the spool's ready folders; return key -> sha256."""
    expected = {}
    base = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=3)  # recent
    for cam, site in CAMERAS.items():
        folder = data_dir / "spool" / "ready" / cam
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_camera):
            start = base + timedelta(minutes=i)
            data = rng.randbytes(rng.randint(6, 14) * 1024 * 1024)
            (folder / build_spool_name(start)).write_bytes(data)
            expected[build_segment_key(site, cam, start, retention_days=180)] = hashlib.sha256(
                data
            ).hexdigest()
    return expected


def _drain(config: Path, data_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [VMS, "upload", "drain", "--config", str(config), "--data-dir", str(data_dir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "VMS_LOG_LEVEL": "WARNING"},
    )  # fmt: skip


@pytest.fixture(params=["filesystem", "s3"])
def backend(request, tmp_path):
    """(storage config, adapter to inspect it, extra assertions) per backend."""
    if request.param == "filesystem":
        nas = tmp_path / "nas"

        def no_temp_files() -> None:
            assert [p for p in nas.rglob("*") if p.name.startswith(".tmp-")] == []

        return (
            {"type": "filesystem", "path": str(nas)},
            FilesystemStorage(nas, b"k" * 32),
            no_temp_files,
        )
    url = request.getfixturevalue("moto_server")
    bucket = f"crash-{random.randrange(10**9)}"
    client = make_s3_client(url, "ap-southeast-3")
    client.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-3"}
    )

    def no_pending_multipart() -> None:
        # Interrupted multipart uploads never show as objects (the key check above);
        # their parts stay until completed or aborted, which a bucket lifecycle rule
        # (AbortIncompleteMultipartUpload) reclaims. Each kill left at most one per worker.
        pending = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        assert len(pending) <= 6 * 2

    config = {"type": "s3", "bucket": bucket, "endpoint_url": url,
              "multipart_threshold_mb": 5, "multipart_chunk_mb": 5}  # fmt: skip
    return config, S3Storage(client, bucket, ""), no_pending_multipart


def _count(storage: Storage) -> int:
    return sum(1 for _ in storage.list("segments/"))


def test_repeated_kill9_loses_nothing_and_duplicates_nothing(tmp_path, backend):
    storage_config, storage, backend_checks = backend
    rng = random.Random(20261125)
    config, data_dir = _config(tmp_path, storage_config), tmp_path / "data"
    expected = _spool_segments(data_dir, per_camera=15, rng=rng)
    kills = 0
    while kills < 6:
        before = _count(storage)
        proc = _drain(config, data_dir)
        target = before + rng.randint(1, 3)  # let a few land, then kill during the next
        while proc.poll() is None and _count(storage) < target:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.03))
        if proc.poll() is not None:
            break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
    assert kills == 6, "the drain finished before it could be interrupted six times"
    assert _count(storage) < len(expected)
    final = _drain(config, data_dir)
    _, err = final.communicate(timeout=300)
    assert final.returncode == 0, err.decode()[-2000:]

    # footage only: the drain also seals the sites' signed manifests (test_chain_kill)
    stored = {info.key: storage.head(info.key) for info in storage.list()
              if info.key.startswith("segments/")}  # fmt: skip
    assert set(stored) == set(expected), "every segment exactly once, nothing else"
    for key, digest in expected.items():
        assert stored[key].metadata["sha256"] == digest
        assert hashlib.sha256(storage.read_range(key)).hexdigest() == digest
    backend_checks()
    assert list((data_dir / "spool" / "ready").rglob("*.mp4")) == []
