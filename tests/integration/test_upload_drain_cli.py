"""`vms upload drain`: the configured uploader (order, cap, retention) with a
progress bar, on a real NAS folder and journal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from edge_uploader.shell.cli import app
from footage.keys import build_segment_key, build_spool_name

pytestmark = pytest.mark.integration


def test_drain_uploads_the_backlog_with_progress_and_skips_expired(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({
        "sites": [{"id": "HO", "name": "HO", "upload": {"max_kbps": 80_000}}],
        "cameras": [{"id": "cam-1", "site": "HO", "name": "Lobby",
                     "rtsp_url": "rtsp://127.0.0.1/x", "retention_days": 7}],
    }))  # fmt: skip
    data = tmp_path / "var"
    ready = data / "spool" / "ready" / "cam-1"
    ready.mkdir(parents=True)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    recent = [now - timedelta(hours=2, minutes=m) for m in range(3)]
    stale = now - timedelta(days=8)  # past the 7-day retention
    for start in [*recent, stale]:
        (ready / build_spool_name(start)).write_bytes(b"v" * 200_000)
    result = CliRunner().invoke(app, ["upload", "drain", "--config", str(config),
                                      "--data-dir", str(data)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "4 segments (0.8 MB) to upload" in result.output
    assert "uploading" in result.output
    stored = data / "storage"
    for start in recent:
        assert (
            stored / build_segment_key("HO", "cam-1", start, retention_days=7)
        ).stat().st_size == 200_000
    assert not (stored / build_segment_key("HO", "cam-1", stale, retention_days=7)).exists()
    assert list(ready.iterdir()) == []  # uploaded or expired: nothing left waiting
