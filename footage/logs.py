"""Structured logging: every record may carry ``camera``, ``site`` and ``key``.

``log.info("uploaded", extra={"camera": cam, "site": site, "key": key})`` prints
``... uploaded camera=cam site=site key=...`` on a terminal, or one JSON object
per line when ``json_lines`` is set (``VMS_LOG_FORMAT=json``). Every line goes
through footage.redact: no camera password reaches a log.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

from footage.redact import redact

CONTEXT_FIELDS = ("camera", "site", "key", "component")


class _Formatter(logging.Formatter):
    def __init__(self, json_lines: bool) -> None:
        super().__init__()
        self.json_lines = json_lines

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        context = {f: getattr(record, f) for f in CONTEXT_FIELDS if hasattr(record, f)}
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + self.formatException(record.exc_info)
        if self.json_lines:
            payload = {"ts": when, "level": record.levelname, "logger": record.name}
            return redact(json.dumps({**payload, "msg": message, **context}, default=str))
        pairs = " ".join(f"{k}={v}" for k, v in context.items())
        return redact(f"{when} {record.levelname:<7} {record.name}: {message} {pairs}".rstrip())


def configure_logging(level: str = "INFO", json_lines: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(json_lines))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("botocore", "boto3", "urllib3", "s3transfer", "pynamodb", "google"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def configure_logging_from_env() -> None:
    """``VMS_LOG_LEVEL`` (default INFO) and ``VMS_LOG_FORMAT=json``, for every process."""
    json_lines = os.environ.get("VMS_LOG_FORMAT", "").lower() == "json"
    configure_logging(os.environ.get("VMS_LOG_LEVEL", "INFO"), json_lines)
