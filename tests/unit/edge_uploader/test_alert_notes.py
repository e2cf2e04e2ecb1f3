"""The edge's one-off alerts over a real journal: footage dropped by the
spool-full policy (the first look is the baseline), and the daily digest once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from edge_uploader.alert_notes import Notes
from edge_uploader.journal import Journal
from edge_uploader.lifecycle import SegmentState
from footage.adapters.sqlite_alerts import SqliteAlertStore
from footage.alerts.models import AlertFilter, Rule
from footage.alerts.service import SiteInfo
from footage.config_loader import parse_config
from footage.site_status import EdgeReport

AT_7_WIB = datetime(2026, 12, 6, 0, 0, tzinfo=UTC)


def _notes(tmp_path: Path) -> tuple[Notes, Journal]:
    config = parse_config({
        "sites": [{"id": "HO", "name": "Kantor Pusat"}],
        "cameras": [{"id": "lobby", "site": "HO", "name": "Lobby", "rtsp_url": "rtsp://h/1"}],
        "alerts": {"channels": {"tg": {"type": "telegram"}},
                   "recipients": [{"name": "ani", "channel": "tg", "address": "1"}]},
    }, environ={})  # fmt: skip
    journal = Journal(tmp_path / "journal.sqlite3")
    journal.initialize()
    store = SqliteAlertStore(tmp_path / "alerts.sqlite3")
    store.initialize()
    return Notes(config, store, journal, {"HO": SiteInfo("Kantor Pusat", "Asia/Jakarta")}), journal


def _segments(journal: Journal, n: int, first: datetime) -> list[Path]:
    folder = journal.path.parent / "ready" / "lobby"
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{i:04d}.mp4" for i in range(n)]
    for i, p in enumerate(paths):
        p.write_bytes(b"x" * 100)
        journal.uploads.enqueue_now(p, "lobby", "HO", first + timedelta(seconds=30 * i), first)
    return paths


def test_dropped_footage_once_per_growth(tmp_path: Path) -> None:
    notes, journal = _notes(tmp_path)
    report = {"HO": EdgeReport(site="HO", published_at=AT_7_WIB)}
    now = AT_7_WIB + timedelta(hours=3)  # no digest due
    paths = _segments(journal, 4, now - timedelta(hours=1))
    journal.uploads.close_row(paths[0], SegmentState.DROPPED, "spool full", now)
    assert notes.check(report, now) == 0  # the baseline
    journal.uploads.close_row(paths[1], SegmentState.DROPPED, "spool full", now)
    journal.uploads.close_row(paths[2], SegmentState.DROPPED, "spool full", now)
    assert notes.check(report, now + timedelta(seconds=30)) == 1
    assert notes.check(report, now + timedelta(seconds=60)) == 0
    [alert] = notes.store.find(AlertFilter(rule=Rule.FOOTAGE_DROPPED))
    assert "2 recordings dropped" in alert.message and not alert.open
    [delivery] = alert.deliveries
    assert delivery.text == "Kantor Pusat: 2 rekaman dibuang karena disk penuh."


def test_daily_digest_once_at_seven_site_time(tmp_path: Path) -> None:
    notes, journal = _notes(tmp_path)
    _segments(journal, 5, AT_7_WIB - timedelta(hours=2))
    report = {"HO": EdgeReport(site="HO", published_at=AT_7_WIB)}
    assert notes.check(report, AT_7_WIB - timedelta(minutes=1)) == 0
    assert notes.check(report, AT_7_WIB + timedelta(minutes=1)) == 1
    assert notes.check(report, AT_7_WIB + timedelta(minutes=2)) == 0  # once a day
    [digest] = notes.store.find(AlertFilter(rule=Rule.DIGEST))
    assert digest.message.startswith("Daily digest for Kantor Pusat: 5 recordings")
    assert notes.check(report, AT_7_WIB + timedelta(days=1, minutes=1)) == 1


def test_ingest_quarantines_since_the_last_look(tmp_path: Path) -> None:
    notes, _ = _notes(tmp_path)
    report = {"HO": EdgeReport(site="HO", published_at=AT_7_WIB)}
    now = AT_7_WIB + timedelta(hours=3)
    assert notes.check(report, now, ingest_quarantined=0) == 0
    assert notes.check(report, now, ingest_quarantined=3) == 1
    assert notes.check(report, now, ingest_quarantined=3) == 0
    assert notes.check(report, now, ingest_quarantined=0) == 0  # the worker restarted
    [alert] = notes.store.find(AlertFilter(rule=Rule.QUARANTINE))
    assert alert.message == "Kantor Pusat: 3 files quarantined at ingest."
