"""The alert channels' secrets in AWS: each named secret (a channel's
``token_secret``, ``password_secret`` or ``key_secret``) is the Secrets Manager
secret ``<VMS_ALERT_SECRET_PREFIX><name>``, created by the admin (README "Alerts").

They are handed to footage.notify.channels as the variables it reads on-prem
(``VMS_SECRET_<NAME>``), so the channels are built the same way in both places.
A secret that is missing or unreadable is left out: its channel then reports why
on every delivery (retried; nothing is lost), and the log says which secret.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from footage.alerts.config import AlertsConfig, EmailChannel, TelegramChannel, WebhookChannel
from footage.notify.secrets import secret_variable

log = logging.getLogger(__name__)


def secret_names(alerts: AlertsConfig) -> list[str]:
    """The secrets the configured channels read."""
    names = set()
    for channel in alerts.channels.values():
        if isinstance(channel, TelegramChannel):
            names.add(channel.token_secret)
        elif isinstance(channel, EmailChannel):
            if channel.username:
                names.add(channel.password_secret)
        elif isinstance(channel, WebhookChannel):
            names.add(channel.key_secret)
    return sorted(names)


def channel_environ(
    names: Iterable[str], prefix: str, region: str, endpoint_url: str | None = None,
    client: Any = None,
) -> dict[str, str]:  # fmt: skip
    """``VMS_SECRET_<NAME>`` for each secret that could be read."""
    secrets = client or boto3.client("secretsmanager", region_name=region,
                                     endpoint_url=endpoint_url)  # fmt: skip
    out = {}
    for name in names:
        try:
            value = secrets.get_secret_value(SecretId=f"{prefix}{name}")["SecretString"]
        except (BotoCoreError, ClientError, KeyError) as exc:
            log.error("alert channel secret %s%s unreadable: %s", prefix, name,
                      type(exc).__name__)  # fmt: skip
            continue
        out[secret_variable(name)] = value.strip()
    return out
