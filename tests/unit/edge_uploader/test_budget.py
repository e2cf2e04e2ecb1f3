"""An edge's site budgets: the cap leaves room while the relay has viewers there."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from edge_uploader.budget import SiteBudgets
from footage.clock import FixedClock
from footage.config import Config
from footage.live import RelayStatus, StreamStatus, relay_status_path, write_relay_status

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
CONFIG = Config.model_validate({
    "sites": [{"id": "HO", "name": "HO", "upload": {"max_kbps": 8000, "live_share": 0.25}},
              {"id": "CAB", "name": "Cabang"}],
    "cameras": [{"id": "lobby", "site": "HO", "name": "L", "rtsp_url": "rtsp://h/1"}],
})  # fmt: skip


def test_live_viewers_shrink_the_sites_cap(tmp_path: Path) -> None:
    path = relay_status_path(tmp_path)
    path.parent.mkdir()
    budgets = SiteBudgets(CONFIG, FixedClock(NOW), path)
    assert budgets.rate("HO") == 1_000_000  # 8 Mbit/s, no relay running
    assert budgets.rate("CAB") is None and set(budgets.buckets) == {"HO", "CAB"}
    write_relay_status(path, RelayStatus(updated_at=NOW, pid=1, nginx="running", streams={
        "lobby": StreamStatus(camera="lobby", site="HO", source="feed", since=NOW, viewers=2),
    }))  # fmt: skip
    fresh = SiteBudgets(CONFIG, FixedClock(NOW), path)
    assert fresh.viewers("HO") == 2 and fresh.rate("HO") == 250_000
