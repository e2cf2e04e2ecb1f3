"""The bandwidth cap throttles what goes on the wire, not the payload signature's
read of the file (botocore reads a PUT's body once to sign it over plain HTTP)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from footage.adapters.s3 import S3Storage, make_s3_client
from tests.unit.fakes import MemorySessions

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("operation", "mb"), [("PutObject", 3), ("UploadPart", 11)])
def test_an_upload_counts_its_bytes_only_while_sending(
    moto_server: str, tmp_path: Path, operation: str, mb: int
) -> None:
    client = make_s3_client(moto_server, "ap-southeast-3")
    bucket = f"progress-{random.randrange(10**9)}"
    client.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-3"}
    )
    mib = 1024 * 1024
    store = S3Storage(client, bucket, "", multipart_threshold=5 * mib, multipart_chunk=5 * mib)
    events: list[str] = []

    def sent(**_: Any) -> None:
        events.append("send")

    client.meta.events.register(f"before-send.s3.{operation}", sent)
    source = tmp_path / "seg.mp4"
    source.write_bytes(random.randbytes(mb * mib))
    counted: list[int] = []

    def progress(amount: int) -> None:
        counted.append(amount)
        events.append("bytes")

    store.put_file("segments/HO/cam/2026/12/06/cam_20261206T000000Z.mp4", source, {},
                   progress=progress, sessions=MemorySessions(), if_absent=True)  # fmt: skip
    assert sum(counted) == source.stat().st_size
    assert events[0] == "send", events[:5]  # nothing counted while it was only signed
