"""``vms status`` and the edge report: the live relay's state joins each camera."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge_uploader.journal import Journal
from edge_uploader.lifecycle import CompressionPlan
from edge_uploader.shell.status import CameraStatus, SystemStatus, build_report, edge_reports
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


def test_site_upload_rates_and_time_to_drain(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    journal.initialize()
    files = []
    for i in range(5):
        path = tmp_path / f"seg{i}.mp4"
        path.write_bytes(b"v" * 750_000)
        start = NOW - timedelta(hours=1, minutes=-i)
        assert journal.uploads.enqueue(path, "lobby", "HO", start, NOW - timedelta(minutes=20))
        files.append(path)
    # two done 30 s ago, one 10 minutes ago; two still waiting
    for i, ago in enumerate([timedelta(minutes=10), timedelta(seconds=30), timedelta(seconds=30)]):
        assert journal.uploads.claim_for_upload(files[i])
        journal.uploads.mark_uploaded(files[i], f"k{i}", NOW - ago, queue_ingest=False)
    report = build_report({"lobby": "HO", "kasir": "CAB"}, None, journal, NOW)
    cab, ho = report.sites  # by site id
    assert (ho.site, ho.backlog_count, ho.backlog_bytes) == ("HO", 2, 1_500_000)
    assert ho.rate_now_bps == 2 * 750_000 * 8 / 60  # the last minute
    assert ho.rate_avg_bps == 3 * 750_000 * 8 / 900  # the last 15 minutes
    assert ho.eta_s == 1_500_000 * 8 / ho.rate_avg_bps  # 600 s
    assert (cab.backlog_count, cab.rate_avg_bps, cab.eta_s) == (0, 0, None)
    [edge] = [r for r in edge_reports(report, ["HO"], NOW)]
    assert edge.upload_rate_bps == ho.rate_now_bps and edge.drain_eta_s == pytest.approx(600)


def test_compression_ratio_and_level_per_site(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    journal.initialize()
    journal.plan.publish(CompressionPlan(frozenset({"lobby"})))  # lobby's footage waits
    for i, compressed in enumerate([250_000, None, 125_000]):
        path = tmp_path / f"seg{i}.mp4"
        path.write_bytes(b"v" * 1_000_000)
        assert journal.uploads.enqueue(path, "lobby", "HO", NOW - timedelta(minutes=30 - i), NOW)
        if compressed is not None:
            small = tmp_path / f"seg{i}.cctv-h264.mp4"
            assert journal.uploads.claim_encode(path, "cctv-h264")
            assert journal.uploads.mark_compressed(path, small, "cctv-h264", compressed)
        assert journal.uploads.claim_for_upload(path)
        journal.uploads.mark_uploaded(path, f"k{i}", NOW - timedelta(minutes=5), queue_ingest=False)
    system = SystemStatus(updated_at=NOW, pid=1, cameras={}, compression={"HO": "cctv-h264"})
    report = build_report({"lobby": "HO", "kasir": "CAB"}, system, journal, NOW)
    cab, ho = report.sites
    assert ho.compression_ratio == 3_000_000 / 1_375_000
    assert ho.compression_profile == "cctv-h264"
    assert (cab.compression_ratio, cab.compression_profile) == (None, None)
    [edge] = edge_reports(report, ["HO"], NOW)
    assert (edge.compression_ratio, edge.compression_profile) == (ho.compression_ratio,
                                                                  "cctv-h264")  # fmt: skip
    # uploads older than the hour no longer count
    later = build_report({"lobby": "HO"}, system, journal, NOW + timedelta(hours=1))
    assert later.sites[0].compression_ratio is None
