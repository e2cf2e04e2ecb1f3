"""cloud_cost.py's price model: from what a run measured to USD per camera-month.

A helper, imported by cloud_cost.py; not run on its own. Every input that is not
measured is a named constant below or a product default read from the config model
(footage.config.AwsDeployment, Camera), and cloud_cost.py prints them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cloud_common import S3_FREE, S3_PUT_CLASS, modelled_latency

from footage.pricing import MONTH_S, PRICES

#: The fleet the shared costs are spread over (issue 17): 1,000 cameras, 200 sites.
FLEET_CAMERAS = 1000
#: One sprite JPEG per camera per 10 minutes, PUT by the edge (footage.keys.SPRITE_WINDOW).
SPRITES_PER_HOUR = 6
#: A site manifest's files: the manifest and its signature (a TSA adds a token:
#: uploader.tsa_url, none by default).
MANIFEST_FILES = 2
#: Lambda's START, END and REPORT lines per invocation (bytes, as Lambda writes them).
PLATFORM_LOG_BYTES = 330
#: Lambda gives 1 vCPU at 1,769 MB and CPU in proportion to memory below it: a
#: CPU-bound second measured here lasts 1769 / memory seconds there.
VCPU_MB = 1769
#: The functions' memory as infra/cdk/cctv_infra/lambdas.py sets it (ingest: the config).
TOTALS_MEMORY_MB = 256
SWEEP_MEMORY_MB = 1024
#: The alerts Lambda (cctv_infra/alerts.py): memory, and its billed time per run
#: (modelled: a LIST, two Queries and what changed, at 256 MB) and its log line.
ALERTS_MEMORY_MB = 256
ALERTS_RUN_S = 0.5
ALERTS_LOG_BYTES = 400
#: The totals stream mapping (cctv_infra/lambdas.py TOTALS_BATCH_SIZE) and the most a
#: Lambda invocation's payload may hold (6 MB): either cuts a batch before its window.
TOTALS_BATCH_SIZE = 10_000
TOTALS_PAYLOAD_BYTES = 6 * 1024 * 1024
#: X-Ray's default sampling rule: the first request each second, then 5 %.
XRAY_RESERVOIR_PER_S, XRAY_RATE = 1.0, 0.05


@dataclass
class Measured:
    """One run of the default (described) path for ``segments`` segments of one camera."""

    segments: int
    edge_calls: dict[str, int]
    worker: dict[str, Any]
    row_bytes: int
    totals_bytes: int
    settings: dict[str, Any] = field(default_factory=dict)


def request_cost(calls: Mapping[str, int], p: Mapping[str, float], wru: int) -> float:
    """S3 requests by class, DynamoDB write units as counted and reads at 1 RRU, SQS."""
    total = wru * p["ddb_wru"]
    for name, n in calls.items():
        service, op = name.split(".", 1)
        if service == "s3" and op not in S3_FREE:
            total += n * (p["s3_put"] if op in S3_PUT_CLASS else p["s3_get"])
        elif service == "dynamodb" and op in {"GetItem", "Query", "Scan", "BatchGetItem"}:
            total += n * p["ddb_rru"]
        elif service == "sqs":
            total += n * p["sqs_request"]
    return total


def duration_s(phase: Mapping[str, Any], memory_mb: int, *, wall: bool = False) -> float:
    """Billed seconds of a phase's invocations: CPU stretched to the function's share of
    a vCPU, plus the modelled latency of its calls (``wall``: at least the wall time,
    for ffmpeg work that waits on its children)."""
    cpu = phase["cpu"] * max(1.0, VCPU_MB / memory_mb)
    if wall:
        cpu = max(cpu, phase["wall"])
    return cpu + modelled_latency(phase["calls"])


def ingest_seconds(ingest: Mapping[str, Any], memory_mb: int, segments: int, *,
                   ffmpeg: bool) -> float:  # fmt: skip
    """Billed seconds per segment in a warm container (the first batch, a cold
    container's first calls, left out when there are more), plus modelled latency.
    A message announces ``segments / messages`` segments (one each, or a manifest's)."""
    warm = ingest["invocations"] > 1
    per_message = segments / ingest["messages"]
    n = (ingest["messages"] - (ingest["first_batch"] if warm else 0)) * per_message
    cpu = (ingest["cpu"] - (ingest["first_cpu"] if warm else 0.0)) / n
    cpu *= max(1.0, VCPU_MB / memory_mb)
    if ffmpeg:
        cpu = max(cpu, ingest["wall"] / segments)
    return cpu + modelled_latency(ingest["calls"]) / segments


def by_manifests(settings: Mapping[str, Any]) -> bool:
    """Whether the run's bucket announced site manifests (the default), not segments."""
    return settings.get("announced", "manifests") == "manifests"


def lambda_cost(seconds: float, memory_mb: int, invocations: float, p: Mapping[str, float],
                arch: str) -> float:  # fmt: skip
    return seconds * memory_mb / 1024 * p[f"lambda_gb_s_{arch}"] + invocations * p["lambda_request"]


def processing(m: Measured, seg_s: int, region: str, arch: str, *, ffmpeg: bool = False,
               tracing: bool | None = None) -> dict[str, float]:  # fmt: skip
    """USD per camera-month by item (processing: storage is priced apart).

    Announced by site manifests (``settings["announced"]``, the default): a message,
    its GETs (the manifest and its signature) and an invocation's share serve a
    site's cameras (the run measured one camera a site: shared by cameras_per_site
    here); by segment events: one message per segment. Either way the edge PUTs a
    manifest and its signature per site per manifest interval (chain of custody)."""
    p, s, w = PRICES[region], m.settings, m.worker
    month_segments = MONTH_S / seg_s
    per_seg = month_segments / m.segments
    ingest = w["ingest"]
    batch = s["ingest_batch_size"]
    by_manifest = by_manifests(s)
    share = 1 / s["cameras_per_site"] if by_manifest else 1.0
    month_messages = month_segments * ingest["messages"] / m.segments * share
    calls = dict(ingest["calls"])
    gets = calls.pop("s3.GetObject", 0) if by_manifest else 0  # the manifests' own
    manifests_sent = MONTH_S / s["manifest_interval_s"] / s["cameras_per_site"]
    cost = {
        "segment PUT": month_segments * m.edge_calls.get("s3.PutObject", 0) / m.segments
        * p["s3_put"],
        "sprite PUTs": SPRITES_PER_HOUR * 720 * p["s3_put"],
        "manifest PUTs": manifests_sent * MANIFEST_FILES * p["s3_put"],
        # S3's SendMessage; the mapping's ReceiveMessage and DeleteMessageBatch per batch
        "SQS": month_messages * (1 + 2 / batch) * p["sqs_request"],
        "ingest requests": per_seg * request_cost(calls, p, ingest["wru"])
        + month_messages * gets / ingest["messages"] * p["s3_get"],
        "ingest Lambda": lambda_cost(
            month_segments * ingest_seconds(ingest, s["ingest_memory_mb"], m.segments,
                                            ffmpeg=ffmpeg),
            s["ingest_memory_mb"], month_messages / batch, p, arch),
        "logs": (per_seg * ingest["log_bytes"] + month_messages / batch * PLATFORM_LOG_BYTES)
        / 1e9 * p["logs_gb"],
    }  # fmt: skip
    cost.update(_totals(m, month_segments, p, arch))
    cost.update(_sweep(m, month_segments, p, arch))
    cost["status reports"] = MONTH_S / s["status_interval_s"] / s["cameras_per_site"] * p["s3_put"]
    site_metrics = sum(1 for _, dims in w["metrics"] if "site" in dims)  # none: alerts.py
    cost["metrics per site"] = site_metrics * p["cw_metric"] / s["cameras_per_site"]
    cost["alerts (fleet)"] = alerts_cost(s, p, arch)
    traced = s["tracing"] if tracing is None else tracing
    cost["X-Ray"] = xray(month_messages / batch, p) if traced else 0.0
    return cost


def alerts_cost(s: Mapping[str, Any], p: Mapping[str, float], arch: str) -> float:
    """The alerts Lambda every minute (cctv_infra/alerts.py), its one metric and alarm,
    shared by the fleet: a LIST of status/ and the Open/outbox Queries each run, a
    GET of each report written (ETags unchanged are not read again). Its billed time
    is modelled (ALERTS_RUN_S), not measured."""
    runs = MONTH_S / 60
    fleet = lambda_cost(ALERTS_RUN_S, ALERTS_MEMORY_MB, runs, p, arch)
    fleet += runs * (p["s3_put"] + 2 * p["ddb_rru"])  # LIST; 2 Queries (consistent)
    fleet += runs * (PLATFORM_LOG_BYTES + ALERTS_LOG_BYTES) / 1e9 * p["logs_gb"]
    fleet += p["cw_metric"] + p["cw_alarm"]
    reports_read = MONTH_S / s["status_interval_s"] / s["cameras_per_site"] * p["s3_get"]
    return fleet / FLEET_CAMERAS + reports_read


def _totals(m: Measured, month_segments: float, p: Mapping[str, float], arch: str
            ) -> dict[str, float]:  # fmt: skip
    """One UpdateItem per camera per stream batch. The batch's invocation and its log
    line are shared by the fleet; the camera pays its write's latency and the batch's
    CPU per record for its records (fixed CPU included: conservative)."""
    t, window = m.worker["totals"], m.settings["totals_window_s"]
    batches = MONTH_S / max(window, 1)
    seg_s = MONTH_S / month_segments
    per_window = totals_writes_per_window(window, seg_s, t.get("record_bytes", 0))
    # a camera's rows arrive one by one, or all of a manifest interval at once: then
    # only one batching window in each interval holds any of them
    by_manifest = by_manifests(m.settings)
    span = max(window, m.settings["manifest_interval_s"] if by_manifest else 0)
    writes = MONTH_S / span * per_window if span else month_segments  # no window: per row
    cpu_per_record = t["cpu"] * max(1.0, VCPU_MB / TOTALS_MEMORY_MB) / t["records"]
    write_latency = modelled_latency(t["calls"]) / t["invocations"]
    seconds = writes * write_latency + month_segments * cpu_per_record
    log_bytes = t["log_bytes"] / t["invocations"] + PLATFORM_LOG_BYTES
    return {
        "totals writes": writes * math.ceil(m.totals_bytes / 1024) * p["ddb_wru"],
        "totals Lambda": lambda_cost(seconds, TOTALS_MEMORY_MB, batches / FLEET_CAMERAS, p, arch)
        + batches / FLEET_CAMERAS * log_bytes / 1e9 * p["logs_gb"],
    }


def totals_writes_per_window(window_s: int, seg_s: float, record_bytes: int) -> float:
    """A camera's totals writes per batching window at the fleet's scale: one per batch
    that holds any of its rows. The window's rows (FLEET_CAMERAS cameras, one row per
    segment) go in as few batches as the mapping's count (TOTALS_BATCH_SIZE) and
    Lambda's payload (TOTALS_PAYLOAD_BYTES, at the measured record size) allow; a
    camera's rows spread over them, one write per batch, never more than its rows."""
    rows = max(window_s, 1) / seg_s
    fleet_rows = rows * FLEET_CAMERAS
    cuts = max(1.0, math.ceil(fleet_rows / TOTALS_BATCH_SIZE),
               math.ceil(fleet_rows * record_bytes / TOTALS_PAYLOAD_BYTES))  # fmt: skip
    return min(max(rows, 1.0), cuts)


def _sweep(m: Measured, month_segments: float, p: Mapping[str, float], arch: str
           ) -> dict[str, float]:  # fmt: skip
    """The daily run with nothing expired (the net: listings, queries), 30 a month, all
    of it charged to this one camera; and what deleting an expired segment adds."""
    net, expired = (m.worker["sweep"][d] for d in m.settings["sweep_days"])
    daily = request_cost(net["calls"], p, net["wru"]) + lambda_cost(
        duration_s(net, SWEEP_MEMORY_MB), SWEEP_MEMORY_MB, net["invocations"], p, arch
    )
    daily += (net["log_bytes"] + net["invocations"] * PLATFORM_LOG_BYTES) / 1e9 * p["logs_gb"]
    extra = {k: n - net["calls"].get(k, 0) for k, n in expired["calls"].items()
             if n > net["calls"].get(k, 0)}  # fmt: skip
    extra_wru = max(0, expired["wru"] - net["wru"])
    extra_s = max(0.0, expired["cpu"] - net["cpu"]) * max(1.0, VCPU_MB / SWEEP_MEMORY_MB)
    extra_s += modelled_latency(extra)
    per_deleted = (
        request_cost(extra, p, extra_wru)
        + extra_s * SWEEP_MEMORY_MB / 1024 * p[f"lambda_gb_s_{arch}"]
    ) / m.segments
    return {"sweep (daily net)": 30 * daily, "sweep deletions": month_segments * per_deleted}


def xray(invocations_per_camera_month: float, p: Mapping[str, float]) -> float:
    """Traces per camera-month with tracing on, at the fleet's ingest rate."""
    fleet_rate = invocations_per_camera_month * FLEET_CAMERAS / MONTH_S
    sampled = min(fleet_rate, XRAY_RESERVOIR_PER_S) + XRAY_RATE * max(0.0, fleet_rate - 1)
    return sampled * MONTH_S / FLEET_CAMERAS * p["xray_trace"]


def rows_storage(row_bytes: int, seg_s: int, retention_days: int, region: str) -> float:
    """The catalog's rows kept for the retention (DynamoDB adds 100 bytes an item)."""
    rows = MONTH_S / seg_s / 30 * retention_days
    return rows * (row_bytes + 100) / 1e9 * PRICES[region]["ddb_gb"]
