"""Writes that wait for room on a disk full to the last byte.

The spool-full policy (edge_uploader.spool) keeps ``spool.min_free_gb`` free by
dropping the oldest segment not yet uploaded, once per housekeeping round (2 s).
Something else may still take the last byte in between. Every loop of ``vms up``
writes the spool journal, and a loop that failed would stop them all, though
the disk is full for seconds: a journal write that meets SQLITE_FULL (SQLite
rolled its transaction back) is run again until there is room, for up to
:data:`FULL_WAIT_S`.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

log = logging.getLogger(__name__)
#: How long a write waits for room before it fails.
FULL_WAIT_S = 60.0
RETRY_S = 0.25
_Method = TypeVar("_Method", bound=Callable[..., Any])


def disk_full(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and exc.sqlite_errorcode == sqlite3.SQLITE_FULL


def waits_for_room(method: _Method) -> _Method:
    """``method`` (one transaction: safe to run again) retried while the disk is full."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        deadline = time.monotonic() + FULL_WAIT_S
        waited = False
        while True:
            try:
                return method(*args, **kwargs)
            except sqlite3.OperationalError as exc:
                if not disk_full(exc) or time.monotonic() > deadline:
                    raise
                if not waited:
                    log.warning("spool disk full: %s waits for room", method.__qualname__)
                    waited = True
                time.sleep(RETRY_S)

    return cast(_Method, wrapper)
