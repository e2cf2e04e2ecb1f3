"""What cloud_cost.py and fleet.py share: list prices, the per-call latency model,
counting every AWS API call, DynamoDB item sizes, a deployment config through the
real config model, and segments uploaded as the edge describes them.

A helper, imported by those scripts; not run on its own.

Prices: footage.pricing (list prices, their sources and date), shared with `vms plan`.

Latency model (moto answers from loopback in ~1-5 ms of its own CPU; AWS does not):
S3 requests under 512 KB "median latencies are often in the tens of milliseconds"
(S3 performance whitepaper, "Timeouts and Retries for Latency-Sensitive Applications"):
30 ms per call. DynamoDB: "single-digit millisecond performance at any scale" (DynamoDB
product page): 5 ms per call. SQS is called by the event source mapping, not inside a
handler's billed duration. A handler's duration = its measured CPU + the modelled
latency of each call it made, calls made one after another (as the handlers do).
"""

from __future__ import annotations

import math
import resource
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

S3_PUT_CLASS = frozenset({
    "PutObject", "CopyObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload",
    "ListObjectsV2", "ListObjectVersions", "PutObjectTagging", "UploadPartCopy",
})  # fmt: skip
S3_FREE = frozenset({"DeleteObject", "DeleteObjects", "AbortMultipartUpload"})
LATENCY_S = {"s3": 0.030, "dynamodb": 0.005}
LATENCY_SOURCES = (
    "S3 30 ms/call (S3 whitepaper: requests < 512 KB, median in the tens of ms), "
    "DynamoDB 5 ms/call (single-digit ms)"
)


def modelled_latency(calls: Mapping[str, int]) -> float:
    """Seconds the calls would wait on AWS, one after another."""
    return sum(n * LATENCY_S.get(name.split(".", 1)[0], 0.0) for name, n in calls.items())


class CallCounter:
    """Counts every AWS API call made in this process (botocore's _make_api_call, which
    boto3 and PynamoDB both use), with the write units of each PutItem/BatchWriteItem
    item as sized by DynamoDB's rules (``wru``)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.wru = 0
        self.largest_put = 0  # bytes of the largest item a PutItem wrote
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        counter = self

        def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            counter.calls[f"{client.meta.service_model.service_name}.{operation}"] += 1
            counter.wru += _write_units(operation, params)
            if operation == "PutItem":
                counter.largest_put = max(counter.largest_put, item_size(params["Item"]))
            return original(client, operation, params)

        BaseClient._make_api_call = counted  # type: ignore[method-assign]

    def take(self) -> tuple[dict[str, int], int]:
        """The counts since the last take, then zero."""
        out = dict(self.calls), self.wru
        self.calls.clear()
        self.wru = 0
        return out


def _write_units(operation: str, params: Mapping[str, Any]) -> int:
    if operation == "PutItem":
        return wru(item_size(params["Item"]))
    if operation == "BatchWriteItem":
        requests = [r for rs in params.get("RequestItems", {}).values() for r in rs]
        puts = [wru(item_size(r["PutRequest"]["Item"])) for r in requests if "PutRequest" in r]
        return sum(puts) + sum(1 for r in requests if "DeleteRequest" in r)
    if operation == "TransactWriteItems":
        return 2 * len(params.get("TransactItems", []))
    return 1 if operation in {"UpdateItem", "DeleteItem"} else 0


def wru(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def item_size(item: Mapping[str, Any]) -> int:
    """Bytes of a DynamoDB item (low-level attribute values), by the published rules:
    names and strings in UTF-8, numbers ~1 byte per 2 significant digits + 1, one
    byte for booleans and nulls, 3 bytes plus contents for maps and lists."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: Mapping[str, Any]) -> int:
    (kind, v), = value.items()  # fmt: skip
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        digits = v.lstrip("-").replace(".", "").strip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(v)
    if kind in {"BOOL", "NULL"}:
        return 1
    if kind == "M":
        return 3 + item_size(v)
    if kind == "L":
        return 3 + sum(1 + _value_size(x) for x in v)
    return sum(len(str(x)) for x in v)  # SS, NS, BS


def cpu_seconds() -> float:
    """CPU-s of this process and its reaped children."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def lambda_ffmpeg_dir() -> Path:
    """The FFmpeg layer's bin/ for x86_64 (this machine), built as for deployment."""
    sys.path.append(str(Path(__file__).resolve().parents[1] / "infra" / "cdk"))
    from cctv_infra import artifacts

    return artifacts.ffmpeg_layer("x86_64") / "bin"


def write_config(
    path: Path,
    sites: int,
    cameras_per_site: int,
    retention_days: int,
    segment_seconds: int = 60,
    signing_key: dict[str, str] | None = None,
    **camera: Any,
) -> list[tuple[str, str]]:
    """A deployment of ``sites`` x ``cameras_per_site`` cameras, written to ``path`` and
    validated by the product's own loader; returns (site, camera) pairs.
    ``signing_key``: registered for every site (SigningKey's fields)."""
    from footage.config_loader import load_config

    site_ids = [f"S{n:03d}" for n in range(sites)]
    pairs = [(s, f"{s}-cam{c}") for s in site_ids for c in range(cameras_per_site)]
    keys = {"signing_keys": [signing_key]} if signing_key else {}
    raw = {
        "sites": [{"id": s, "name": f"Cabang {s}", **keys} for s in site_ids],
        "cameras": [
            {"id": cam, "site": site, "name": cam, "rtsp_url": "rtsp://10.0.0.9/s",
             "retention_days": retention_days, "segment_seconds": segment_seconds, **camera}
            for site, cam in pairs
        ],
    }  # fmt: skip
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    config = load_config(path)
    assert len(config.cameras) == len(pairs) and len(config.sites) == sites
    return pairs


def tiny_clip(path: Path) -> Path:
    """A 1 s 160x90 H.264 fragmented MP4 (~10 KB) cut like the recorder's, made once."""
    from footage.media.commands import FRAGMENTED_MP4

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
             "testsrc2=size=160x90:rate=15:duration=1", "-c:v", "libx264", "-preset",
             "ultrafast", "-g", "15", "-movflags", FRAGMENTED_MP4, str(path)],
            check=True, timeout=60,
        )  # fmt: skip
    return path


class Describer:
    """The edge's description of a file (edge_uploader.describe: one ffprobe), made
    once per file and re-stamped for each key it goes up under."""

    def __init__(self) -> None:
        self._cache: dict[Path, Any] = {}

    def metadata(
        self, path: Path, site: str, camera: str, start: datetime, *, sprite: bool
    ) -> dict[str, str]:
        from edge_uploader.describe import description_metadata
        from footage.description import from_metadata, to_metadata
        from footage.media.ops import sha256_file

        if path not in self._cache:
            sha = sha256_file(path)
            meta = description_metadata(
                path, site=site, camera=camera, start=start, sha256=sha, extra={}
            )
            if not meta:
                raise SystemExit(f"the edge could not describe {path}")
            self._cache[path] = from_metadata(meta)
        described = replace(self._cache[path], site=site, camera=camera, start=start,
                            sprite=sprite)  # fmt: skip
        return to_metadata(described)


def read_a_segment(ingest: Mapping[str, Any]) -> bool:
    """Whether a manifest-announced ingest read more than its manifests: any HEAD,
    or more GETs than each message's manifest and signature."""
    calls = ingest["calls"]
    return calls.get("s3.GetObject", 0) > 2 * ingest["messages"] or "s3.HeadObject" in calls


class SiteManifests:
    """The edge's signed site manifests (edge_uploader.chain), for a bench that sends
    segments itself: each camera's chain (a genesis, then a ``segment`` record per
    segment), and per site and window one manifest of the window's records with its
    index (key and description), put as ``.json`` then ``.sig``. One key signs for
    every site; :attr:`registered` is what the config registers for each."""

    def __init__(self, retention_days: int) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from footage.manifest import key_id_of, public_b64, public_raw

        self.private = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
        raw = public_raw(self.private)
        self.key_id, self.retention_days = key_id_of(raw), retention_days
        self.registered = {"id": self.key_id, "public_key": public_b64(raw),
                           "not_before": "2020-01-01T00:00:00Z"}  # fmt: skip
        self._heads: dict[tuple[str, str], Any] = {}
        self._sites: dict[str, tuple[int, str]] = {}
        self._waiting: dict[str, list[tuple[Any, Any]]] = {}

    def add(self, key: str, metadata: Mapping[str, str], end: datetime) -> None:
        """A segment stored under ``key`` with the edge's ``metadata`` (its SHA-256,
        site, camera, start, size and description)."""
        from footage.chain import RecordKind, append, genesis, segment_fields
        from footage.description import description_of
        from footage.keys import chain_object_name, parse_key
        from footage.manifest import Stored

        parsed = parse_key(key)
        site, camera = parsed.site, parsed.camera
        head = self._heads.get((site, camera))
        fresh = []
        if head is None:
            head = genesis(site, camera, parsed.start, self.key_id)
            fresh.append(head)
        fields = segment_fields(parsed.start, end, metadata["sha256"], int(metadata["size"]),
                                chain_object_name(key))  # fmt: skip
        record = append(head, RecordKind.SEGMENT, fields)
        self._heads[(site, camera)] = record
        entry = Stored(camera, record.seq, key, description_of(metadata))
        self._waiting.setdefault(site, []).extend([(r, None) for r in fresh] + [(record, entry)])

    def seal(self, store: Any, issued: datetime) -> int:
        """Every site's waiting records as its next manifest, put; returns how many."""
        from footage.chain import ZERO_HASH
        from footage.keys import build_manifest_key
        from footage.manifest import build_manifest

        sealed = 0
        for site, waiting in sorted(self._waiting.items()):
            if not waiting:
                continue
            seq, prev = self._sites.get(site, (0, ZERO_HASH))
            manifest = build_manifest(site, seq, prev, self.key_id, issued,
                                      [r for r, _ in waiting],
                                      [e for _, e in waiting if e is not None])  # fmt: skip
            body = manifest.canonical()
            where = build_manifest_key(site, issued, retention_days=self.retention_days)
            store.put_bytes(where, body, {})
            store.put_bytes(where[: -len("json")] + "sig", self.private.sign(body), {})
            self._sites[site] = (seq + 1, manifest.hash)
            self._waiting[site] = []
            sealed += 1
        return sealed
