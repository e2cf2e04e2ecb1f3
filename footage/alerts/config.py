"""``alerts:`` in the config: channels, recipients and rule thresholds.

Secrets (bot token, SMTP password, webhook key) are never in the config: each
channel names the secret it reads (footage.notify.secrets: an environment
variable, else ``<data-dir>/secrets/<name>.secret``, 0600).
"""

from __future__ import annotations

import re
from datetime import time
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from footage.localtime import known_zone
from footage.notify.base import Language, Severity
from footage.push import DEFAULT_PUSH_HOSTS

_NAME = r"^[a-z0-9][a-z0-9_-]{0,39}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TelegramChannel(_Model):
    type: Literal["telegram"]
    api_base: str = Field(
        "https://api.telegram.org", pattern=r"^https?://[^\s/]+(/[^\s]*)?$",
        description="Bot API base URL (a local Bot API server, or a test's fake)",
    )  # fmt: skip
    token_secret: str = Field("telegram-bot", pattern=_NAME, description="secret with the token")
    timeout_s: float = Field(15.0, gt=0, le=120)


class SmtpSecurity(StrEnum):
    STARTTLS = "starttls"  # port 587
    TLS = "tls"  # implicit TLS, port 465


class EmailChannel(_Model):
    type: Literal["email"]
    host: str = Field(min_length=1, max_length=253)
    port: int = Field(587, ge=1, le=65535)
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    username: str | None = Field(None, description="log in as this user (password: a secret)")
    password_secret: str = Field("smtp-password", pattern=_NAME)
    sender: str = Field(pattern=r"^[^@\s]+@[^@\s]+$", description="the From address")
    ca_file: str | None = Field(None, description="PEM CA bundle to trust instead of the system's")
    timeout_s: float = Field(20.0, gt=0, le=120)


class WebhookChannel(_Model):
    type: Literal["webhook"]
    url: str = Field(pattern=r"^https?://\S+$")
    key_secret: str = Field("webhook-key", pattern=_NAME, description="HMAC-SHA256 key secret")
    timeout_s: float = Field(15.0, gt=0, le=120)


class WebPushChannel(_Model):
    """Web push to the viewer installed as a PWA (footage.notify.webpush): a recipient's
    address is a user name; each browser that user subscribed gets the alert."""

    type: Literal["webpush"]
    subject: str = Field(
        pattern=r"^(mailto:[^@\s]+@[^@\s]+\.[^@\s]+|https://[^\s/]+\.[^\s]+)$",
        description="who runs this server, for push services to reach (mailto: or https:)",
    )
    allowed_hosts: list[str] = Field(
        default_factory=lambda: list(DEFAULT_PUSH_HOSTS), min_length=1,
        description="push service hosts a browser may subscribe with (a name or its subdomains)",
    )  # fmt: skip


ChannelConfig = Annotated[TelegramChannel | EmailChannel | WebhookChannel | WebPushChannel,
                          Field(discriminator="type")]  # fmt: skip


class QuietHours(_Model):
    """Only critical alerts are sent from ``start`` to ``end`` (the recipient's clock);
    the rest wait until ``end``."""

    start: time
    end: time


class Recipient(_Model):
    name: str = Field(pattern=_NAME)
    channel: str = Field(pattern=_NAME, description="a key of alerts.channels")
    address: str = Field(min_length=1, max_length=320, description="chat id, e-mail address, ...")
    language: Language = Language.ID
    timezone: str = Field("Asia/Jakarta", description="the recipient's clock, for quiet hours")
    sites: list[str] | None = Field(None, description="sites they hear about; unset: all")
    min_severity: Severity = Severity.WARNING
    quiet_hours: QuietHours | None = None
    digest: bool = Field(True, description="receive the daily digest")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)


class RuleSettings(_Model):
    camera_offline_minutes: float = Field(5.0, ge=0.05, le=1440)
    site_silent_minutes: float = Field(15.0, ge=1, le=1440)
    backlog_drain_hours: float = Field(12.0, gt=0, le=720, description="drain time over this")
    backlog_growing_hours: float = Field(6.0, gt=0, le=720, description="growing this long")
    spool_percent: float = Field(85.0, ge=10, le=100)
    gap_minutes: float = Field(30.0, ge=1, le=1440, description="recording gaps, last day")
    failed_logins: int = Field(5, ge=2, le=1000, description="failed logins of one user ...")
    failed_logins_minutes: float = Field(15.0, ge=1, le=1440, description="... within this")
    tampering: bool = True
    digest_at: time | None = Field(time(7, 0), description="site-local time; unset: no digest")


class RuleOverrides(_Model):
    """Per-site: any RuleSettings field; unset ones keep alerts.rules."""

    camera_offline_minutes: float | None = Field(None, ge=0.05, le=1440)
    site_silent_minutes: float | None = Field(None, ge=1, le=1440)
    backlog_drain_hours: float | None = Field(None, gt=0, le=720)
    backlog_growing_hours: float | None = Field(None, gt=0, le=720)
    spool_percent: float | None = Field(None, ge=10, le=100)
    gap_minutes: float | None = Field(None, ge=1, le=1440)
    tampering: bool | None = None
    digest_at: time | None = None


class AlertsConfig(_Model):
    enabled: bool = True
    check_interval_s: float = Field(30.0, ge=1, le=600, description="how often rules are checked")
    channels: dict[str, ChannelConfig] = Field(default_factory=dict)
    recipients: list[Recipient] = Field(default_factory=list)
    rules: RuleSettings = Field(default_factory=RuleSettings)
    sites: dict[str, RuleOverrides] = Field(default_factory=dict, description="per-site rules")
    watch_sites: list[str] | None = Field(
        None, description="other sites whose silence this box reports, from their status in"
        " storage (HO: its branches); unset: every configured site it does not record",
    )  # fmt: skip
    retry_initial_s: float = Field(30.0, gt=0, le=3600)
    retry_max_s: float = Field(3600.0, gt=0, le=86_400)
    max_attempts: int = Field(30, ge=1, le=1000, description="then the delivery is FAILED")

    @model_validator(mode="after")
    def _references(self) -> AlertsConfig:
        for name in self.channels:
            if not re.fullmatch(_NAME, name):
                raise ValueError(f"alerts.channels: bad name {name!r} (a-z, 0-9, _ and -)")
        for r in self.recipients:
            if r.channel not in self.channels:
                raise ValueError(f"alerts recipient {r.name!r}: unknown channel {r.channel!r}")
        names = [r.name for r in self.recipients]
        if len(names) != len(set(names)):
            raise ValueError("alerts.recipients: names must be unique")
        return self

    def unknown_sites(self, known: set[str]) -> list[str]:
        """Sites named in per-site rules or recipients that the config does not have."""
        named = set(self.sites) | {s for r in self.recipients for s in r.sites or ()}
        named |= set(self.watch_sites or ())
        return sorted(named - known)

    def rules_for(self, site: str) -> RuleSettings:
        over = self.sites.get(site)
        if over is None:
            return self.rules
        return self.rules.model_copy(update=over.model_dump(exclude_none=True))
