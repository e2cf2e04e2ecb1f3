"""CloudWatch log groups with the configured retention."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import Construct

# CloudWatch Logs accepts only these retention periods (days).
_RETENTION_STEPS: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


def retention_for(days: int) -> logs.RetentionDays:
    """The shortest allowed period that keeps logs at least ``days`` days."""
    step = min((d for d in _RETENTION_STEPS if d >= days), default=max(_RETENTION_STEPS))
    return _RETENTION_STEPS[step]


def log_group(scope: Construct, construct_id: str, days: int) -> logs.LogGroup:
    # DESTROY: logs are operational, not evidence; a torn-down stack should not
    # leave orphaned groups that block a redeploy under the same name.
    return logs.LogGroup(
        scope,
        construct_id,
        retention=retention_for(days),
        removal_policy=RemovalPolicy.DESTROY,
    )
