"""The bandwidth cap throttles what goes on the wire, not the payload signature's
read of the file (botocore reads a PUT's body once to sign it over plain HTTP)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from footage.adapters.s3 import S3Storage, make_s3_client

pytestmark = pytest.mark.integration


def test_a_put_counts_its_bytes_only_while_sending(moto_server: str, tmp_path: Path) -> None:
    client = make_s3_client(moto_server, "ap-southeast-3")
    bucket = f"progress-{random.randrange(10**9)}"
    client.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-3"}
    )
    store = S3Storage(client, bucket, "")
    events: list[str] = []

    def sent(**_: Any) -> None:
        events.append("send")

    client.meta.events.register("before-send.s3.PutObject", sent)
    source = tmp_path / "seg.mp4"
    source.write_bytes(random.randbytes(3 * 1024 * 1024))
    counted: list[int] = []

    def progress(amount: int) -> None:
        counted.append(amount)
        events.append("bytes")

    store.put_file("segments/HO/cam/2026/12/06/cam_20261206T000000Z.mp4", source, {},
                   progress=progress, if_absent=True)  # fmt: skip
    assert sum(counted) == source.stat().st_size
    assert events[0] == "send", events[:5]  # nothing counted while it was only signed
