"""The configured channels, built with their secrets (footage.notify.secrets).

Telegram and the webhook are two small HTTP calls on the standard library;
e-mail is smtplib. We looked at apprise (the issue's suggestion): its Telegram
plugin hard-codes ``api.telegram.org`` (no self-hosted Bot API server, no
local fake for the tests), it reports delivery as a bare bool (no reason to
record, no retryable/permanent distinction for the outbox), and it pulls in
requests, markdown and click for three channels we can write in ~150 lines.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from footage.alerts.config import ChannelConfig, EmailChannel, TelegramChannel, WebPushChannel
from footage.errors import ConfigError
from footage.notify.base import Channel
from footage.notify.email import SmtpMailer
from footage.notify.secrets import read_secret
from footage.notify.telegram import TelegramBot
from footage.notify.webhook import Webhook


def build_channel(name: str, config: ChannelConfig, data_dir: Path,
                  environ: Mapping[str, str], now: Callable[[], datetime]) -> Channel:  # fmt: skip
    """ConfigError when its secret is missing."""
    if isinstance(config, TelegramChannel):
        token = read_secret(data_dir, config.token_secret, environ)
        return TelegramBot(name, config.api_base, token, config.timeout_s)
    if isinstance(config, EmailChannel):
        password = (
            read_secret(data_dir, config.password_secret, environ) if config.username else None
        )
        return SmtpMailer(name, config, password)
    if isinstance(config, WebPushChannel):
        try:  # pywebpush is not in the Lambda bundle: web push is for on-prem viewers
            from footage.notify.webpush import push_channel
        except ImportError as exc:
            raise ConfigError([(name, f"web push is not available here ({exc})")]) from exc
        return push_channel(name, config, data_dir, environ)
    key = read_secret(data_dir, config.key_secret, environ).encode()
    return Webhook(name, config.url, key, now, config.timeout_s)


def build_channels(configs: Mapping[str, ChannelConfig], data_dir: Path,
                   environ: Mapping[str, str],
                   now: Callable[[], datetime]) -> dict[str, Channel | str]:  # fmt: skip
    """Each channel, or why it cannot be built (a missing secret), by name."""
    out: dict[str, Channel | str] = {}
    for name, config in configs.items():
        try:
            out[name] = build_channel(name, config, data_dir, environ, now)
        except ConfigError as exc:
            out[name] = "; ".join(message for _, message in exc.errors)
    return out
