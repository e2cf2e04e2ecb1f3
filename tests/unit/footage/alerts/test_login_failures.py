"""Failed logins per user, as the failed-logins alert reads them from the limiter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from footage.adapters.sqlite_login_limiter import SqliteLoginLimiter

NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


def test_failures_since_per_user(tmp_path: Path) -> None:
    limiter = SqliteLoginLimiter(tmp_path / "users.sqlite3")
    limiter.initialize()
    for i in range(3):
        limiter.failed(limiter.reserve("admin", f"10.0.0.{i}", NOW), NOW + timedelta(seconds=i))
    ok = limiter.reserve("ani", "10.0.0.9", NOW)
    limiter.succeeded(ok, NOW)
    limiter.reserve("budi", "10.0.0.8", NOW)  # in flight: not a failure
    assert limiter.failures_since(NOW - timedelta(minutes=15)) == {"admin": 3}
    assert limiter.failures_since(NOW + timedelta(seconds=1)) == {"admin": 2}
