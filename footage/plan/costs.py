"""What a deployment costs in AWS each month, six months in, next to Kinesis Video
Streams for the same footage (footage.pricing's list prices).

Per camera, with the bytes it stores an hour (as uploaded, at its site's level):
* storage: what 6 months hold (at most its retention), S3 Standard for the first
  ``aws.transition_days`` and Glacier IR after, where the class transitions;
* requests: a PUT per segment, the sprites' PUTs, one transition per segment;
* processing: bench/cloud_cost.py's measured per-camera-month totals (default
  path: events, ingest Lambda, DynamoDB, totals, sweep, status, alarms, logs) less
  the PUTs above, linear in segments a month; plus a re-encode at ingest for a
  camera whose ``ingest_profile`` is not ``copy`` (one vCPU, CPU assumed below);
* transfer out: the hours watched a month, at the cameras' mean stored rate.
Kinesis Video Streams: ingest, storage for the same days, HLS and transfer out of
the same hours watched, us-east-1 prices (the only region priced for it).
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from footage.config import Camera, Config, LambdaArchitecture
from footage.pricing import KVS_REGION, MONTH_S, PRICES, transitions
from footage.profiles import VideoCodec

GB = 1e9
#: The plan's horizon: storage held after this many days.
HORIZON_DAYS = 180
#: bench/cloud_cost.py, default path, arm64: USD per camera-month at 60 s and 120 s
#: segments (README "What it costs"), storage excluded.
MEASURED_PROCESSING = {"us-east-1": (0.352, 0.194), "ap-southeast-3": (0.359, 0.198)}
SPRITES_PER_HOUR = 6
#: Ingest re-encode CPU-s per footage-second (ARCHITECTURE.md: x264 veryfast, x265 fast).
REENCODE_CPU_S = {VideoCodec.H264: 0.55, VideoCodec.H265: 1.9}
VCPU_MB = 1769


class Costs(BaseModel):
    """USD a month, six months in."""

    model_config = ConfigDict(frozen=True)

    region: str
    prices: str  # the region whose prices were used (an unknown region: us-east-1)
    hours_watched: float
    stored_tb: float  # held after six months
    storage: float
    requests: float
    processing: float
    transfer_out: float
    total: float
    kvs_ingest: float
    kvs_storage: float
    kvs_hls: float
    kvs_transfer_out: float
    kvs_total: float


def deployment_costs(config: Config, stored_bph: dict[str, float], hours_watched: float) -> Costs:
    """``stored_bph``: camera id -> bytes it stores an hour."""
    region = config.aws.region if config.aws.region in PRICES else KVS_REGION
    p, k = PRICES[region], PRICES[KVS_REGION]
    cameras = [c for c in config.cameras if c.enabled and c.id in stored_bph]
    held = {c.id: min(c.retention_days, HORIZON_DAYS) for c in cameras}
    gb_day = {c.id: stored_bph[c.id] * 24 / GB for c in cameras}
    watched_gb = hours_watched * _mean(stored_bph, cameras) / GB
    storage = sum(_storage(c, gb_day[c.id], held[c.id], config, p) for c in cameras)
    requests = sum(_requests(c, held[c.id], config, p) for c in cameras)
    processing = sum(_processing(c, config, region) for c in cameras)
    kvs = {
        "ingest": sum(gb_day.values()) * 30 * k["kvs_ingest_gb"],
        "storage": sum(gb_day[c] * held[c] for c in gb_day) * k["kvs_storage_gb"],
        "hls": watched_gb * k["kvs_hls_gb"],
        "out": watched_gb * k["transfer_out_gb"],
    }
    out = watched_gb * p["transfer_out_gb"]
    return Costs(
        region=config.aws.region, prices=region, hours_watched=hours_watched,
        stored_tb=sum(gb_day[c] * held[c] for c in gb_day) / 1000, storage=storage,
        requests=requests, processing=processing, transfer_out=out,
        total=storage + requests + processing + out, kvs_ingest=kvs["ingest"],
        kvs_storage=kvs["storage"], kvs_hls=kvs["hls"], kvs_transfer_out=kvs["out"],
        kvs_total=sum(kvs.values()),
    )  # fmt: skip


def _mean(stored_bph: dict[str, float], cameras: Sequence[Camera]) -> float:
    return sum(stored_bph[c.id] for c in cameras) / len(cameras) if cameras else 0.0


def _storage(camera: Camera, gb_day: float, held: int, config: Config,
             p: dict[str, float]) -> float:  # fmt: skip
    """A month of what six months hold: hot days in Standard, the rest in Glacier IR."""
    hot = held
    if transitions(config.aws.transition_days, camera.retention_days):
        hot = min(held, config.aws.transition_days)
    return gb_day * (hot * p["s3_standard_gb"] + (held - hot) * p["s3_gir_gb"])


def _requests(camera: Camera, held: int, config: Config, p: dict[str, float]) -> float:
    segments = MONTH_S / camera.segment_seconds
    puts = (segments + SPRITES_PER_HOUR * 24 * 30) * p["s3_put"]
    moved = transitions(config.aws.transition_days, camera.retention_days)
    if moved and held > config.aws.transition_days:
        puts += segments * p["s3_gir_transition"]
    return puts


def _processing(camera: Camera, config: Config, region: str) -> float:
    """The measured default path, less its PUTs, for this camera's segment length;
    plus a re-encode at ingest by its profile."""
    p = PRICES[region]
    at_60, at_120 = MEASURED_PROCESSING[region]
    sprites = SPRITES_PER_HOUR * 24 * 30 * p["s3_put"]
    rest_60 = at_60 - MONTH_S / 60 * p["s3_put"] - sprites
    rest_120 = at_120 - MONTH_S / 120 * p["s3_put"] - sprites
    per_segment = (rest_60 - rest_120) / (MONTH_S / 60 - MONTH_S / 120)
    fixed = rest_120 - per_segment * MONTH_S / 120
    cost = fixed + per_segment * MONTH_S / camera.segment_seconds
    codec = config.all_profiles[camera.ingest_profile].codec
    if codec is not VideoCodec.COPY:
        arch = "arm" if config.aws.architecture is LambdaArchitecture.ARM64 else "x86"
        gb_s = MONTH_S * REENCODE_CPU_S[codec] * VCPU_MB / 1024
        cost += gb_s * p[f"lambda_gb_s_{arch}"]
    return cost
