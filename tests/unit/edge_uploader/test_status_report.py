"""``vms status`` and the edge report: the live relay's state joins each camera."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from edge_uploader.journal import Journal
from edge_uploader.status import CameraStatus, SystemStatus, build_report, edge_reports
from footage.live import RelayStatus, StreamState, StreamStatus

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def test_live_state_and_viewers_of_both_streams_reach_the_site_report(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    journal.initialize()
    system = SystemStatus(updated_at=NOW, pid=1, cameras={
        "lobby": CameraStatus(site="HO", state="recording"),
        "kasir": CameraStatus(site="CAB", state="offline", last_error="camera timeout"),
    })  # fmt: skip
    relay = RelayStatus(updated_at=NOW, pid=2, nginx="running", streams={
        "lobby": StreamStatus(camera="lobby", site="HO", source="feed", since=NOW,
                              state=StreamState.LIVE, viewers=1),
        "lobby__sub": StreamStatus(camera="lobby", site="HO", sub=True, source="rtsp",
                                   since=NOW, state=StreamState.LIVE, viewers=2),
        "kasir": StreamStatus(camera="kasir", site="CAB", source="feed", since=NOW,
                              state=StreamState.RETRYING, last_error="no video from the feed"),
    })  # fmt: skip
    cameras = {"lobby": "HO", "kasir": "CAB"}
    report = build_report(cameras, system, journal, NOW, relay)
    rows = {r.camera: r for r in report.cameras}
    assert (rows["lobby"].live, rows["lobby"].live_viewers) == ("live", 3)
    assert (rows["kasir"].live, rows["kasir"].live_error) == ("retrying", "no video from the feed")
    [cab] = [r for r in edge_reports(report, ["HO", "CAB"], NOW) if r.site == "CAB"]
    assert (cab.cameras[0].live, cab.cameras[0].last_error) == ("retrying", "camera timeout")
    # without a relay (vms up --http-port 0): no live state at all
    bare = build_report(cameras, system, journal, NOW)
    assert {r.live for r in bare.cameras} == {None}
