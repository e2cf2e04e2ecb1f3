"""AWS list prices and the storage model shared by ``vms plan`` (footage.plan) and
the cost benches (bench/cloud_cost.py, bench/fleet.py).

Prices: on-demand list prices from the AWS pricing pages (aws.amazon.com/lambda/pricing,
/s3/pricing, /sqs/pricing, /dynamodb/pricing (on-demand, after the November 2024 cut),
/cloudwatch/pricing, /xray/pricing, /api-gateway/pricing, /kinesis/video-streams/pricing,
/ec2/pricing/on-demand "Data Transfer"), as assumed for December 2026 from those pages;
no free tier. The ap-southeast-3 (Jakarta) column was typed from the same pages' region
selector and should be checked against the AWS Price List API before it is quoted to a
customer. Kinesis Video Streams is priced in us-east-1 only: its region list names
ap-southeast-3 "Asia Pacific (Malaysia)" (Malaysia is ap-southeast-5), so a Jakarta
price is not assumed here. Transfer out is the first 10 TB a month tier.
"""

from __future__ import annotations

PRICE_DATE = "2026-12 (assumed)"
REGIONS = ("us-east-1", "ap-southeast-3")
#: Kinesis Video Streams' prices (and the comparison) are this region's.
KVS_REGION = "us-east-1"
MONTH_S = 30 * 24 * 3600
#: Glacier Instant Retrieval bills an object for at least 90 days: the bucket's
#: lifecycle moves a retention class there only if it stays that long.
GLACIER_IR_MINIMUM_DAYS = 90
#: USD, on-demand. Requests per one; storage per GB-month; logs per GB ingested.
PRICES: dict[str, dict[str, float]] = {
    "us-east-1": {
        "lambda_gb_s_x86": 0.0000166667, "lambda_gb_s_arm": 0.0000133334,
        "lambda_request": 0.20 / 1e6,
        "s3_put": 0.005 / 1000, "s3_get": 0.0004 / 1000,  # PUT/COPY/POST/LIST; GET/HEAD
        "s3_standard_gb": 0.023, "s3_gir_gb": 0.004, "s3_gir_transition": 0.02 / 1000,
        "sqs_request": 0.40 / 1e6,
        "ddb_wru": 0.625 / 1e6, "ddb_rru": 0.125 / 1e6, "ddb_gb": 0.25,
        "logs_gb": 0.50, "xray_trace": 5.00 / 1e6,
        "cw_metric": 0.30, "cw_alarm": 0.10, "http_api_request": 1.00 / 1e6,
        "transfer_out_gb": 0.09,
        "kvs_ingest_gb": 0.0085, "kvs_storage_gb": 0.023, "kvs_hls_gb": 0.0119,
    },
    "ap-southeast-3": {
        "lambda_gb_s_x86": 0.0000166667, "lambda_gb_s_arm": 0.0000133334,
        "lambda_request": 0.20 / 1e6,
        "s3_put": 0.005 / 1000, "s3_get": 0.0004 / 1000,
        "s3_standard_gb": 0.025, "s3_gir_gb": 0.005, "s3_gir_transition": 0.02 / 1000,
        "sqs_request": 0.40 / 1e6,
        "ddb_wru": 0.7125 / 1e6, "ddb_rru": 0.1425 / 1e6, "ddb_gb": 0.285,
        "logs_gb": 0.70, "xray_trace": 5.00 / 1e6,
        "cw_metric": 0.30, "cw_alarm": 0.10, "http_api_request": 1.20 / 1e6,
        "transfer_out_gb": 0.10,
    },
}  # fmt: skip


def gb_per_day(mbit_s: float) -> float:
    """GB (10^9 bytes) a stream of ``mbit_s`` makes in a day."""
    return mbit_s * 1e6 / 8 * 86400 / 1e9


def transitions(transition_days: int, retention_days: int) -> bool:
    """Whether a retention class moves to Glacier IR: only when an object stays there
    its 90-day minimum (infra/cdk's lifecycle rules follow this)."""
    return transition_days + GLACIER_IR_MINIMUM_DAYS <= retention_days


def storage(mbit_s: float, retention_days: int, transition_days: int | None, region: str,
            seg_s: int = 60) -> dict[str, float]:  # fmt: skip
    """USD per camera-month of footage at ``mbit_s`` kept ``retention_days`` (the bytes
    are gone by then: footage.retention.expiry_schedule), in S3 Standard, or Standard
    then Glacier Instant Retrieval after ``transition_days`` (with its transition
    requests, one per object)."""
    p = PRICES[region]
    gb_day = gb_per_day(mbit_s)
    if transition_days is None:
        return {"GB stored": gb_day * retention_days,
                "S3": gb_day * retention_days * p["s3_standard_gb"]}  # fmt: skip
    hot, cold = gb_day * transition_days, gb_day * (retention_days - transition_days)
    return {
        "GB stored": hot + cold,
        "S3": hot * p["s3_standard_gb"] + cold * p["s3_gir_gb"],
        "transitions": MONTH_S / seg_s * p["s3_gir_transition"],
    }


def kvs(mbit_s: float, retention_days: int, watched_gb: float = 0.0) -> dict[str, float]:
    """Kinesis Video Streams for the same footage and retention, us-east-1 prices:
    ingest, storage for the retention, HLS for what is watched (transfer out apart)."""
    p = PRICES[KVS_REGION]
    gb_day = gb_per_day(mbit_s)
    return {
        "ingest": gb_day * 30 * p["kvs_ingest_gb"],
        "storage": gb_day * retention_days * p["kvs_storage_gb"],
        "HLS": watched_gb * p["kvs_hls_gb"],
    }
