"""The edge's status says why each camera is red, as a reason code beside the
tool's words, and an NVR-only camera is judged by its folder (issue 15, item 8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from edge_uploader.journal import Journal
from edge_uploader.shell.status import CameraStatus, SystemStatus, build_report, edge_reports
from edge_uploader.shell.status import nvr_silence_limit as limit
from footage.outages import Problem

NOW = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _journal(tmp_path: Path, camera: str, taken: list[datetime]) -> Journal:
    journal = Journal(tmp_path / "journal.sqlite3")
    journal.initialize()
    for i, when in enumerate(taken):
        path = tmp_path / f"{camera}-{i}.mp4"
        path.write_bytes(b"v" * 1000)
        assert journal.uploads.enqueue(path, camera, "HO", when - timedelta(minutes=5), when)
        assert journal.uploads.claim_for_upload(path)
        done = when + timedelta(seconds=20)
        journal.uploads.mark_uploaded(path, f"k{i}", done, queue_ingest=False)
    return journal


def test_an_offline_camera_reports_its_reason_and_the_tools_words(tmp_path: Path) -> None:
    journal = _journal(tmp_path, "lobby", [NOW - timedelta(minutes=3)])
    refused = "ffprobe failed: rtsp://10.0.0.5/ch1: Connection refused"
    system = SystemStatus(updated_at=NOW, pid=1, cameras={
        "lobby": CameraStatus(site="HO", state="offline", last_error=refused,
                              problem="unreachable"),
        "gate": CameraStatus(site="HO", state="offline",  # from an edge older than reasons
                             last_error="401 Unauthorized"),
        "yard": CameraStatus(site="HO", state="recording", last_error=refused),  # back: no reason
    })  # fmt: skip
    report = build_report({"lobby": "HO", "gate": "HO", "yard": "HO"}, system, journal, NOW)
    rows = {r.camera: r for r in report.cameras}
    assert (rows["lobby"].problem, rows["lobby"].last_error) == (Problem.UNREACHABLE, refused)
    assert rows["gate"].problem == Problem.AUTH_FAILED
    assert rows["yard"].problem is None
    # "last upload" is when the upload finished, not when its footage ended
    assert rows["lobby"].last_upload_at == NOW - timedelta(minutes=3) + timedelta(seconds=20)
    stopped = build_report({"lobby": "HO"}, None, journal, NOW)  # vms up is not running
    assert stopped.cameras[0].problem == Problem.NOT_RUNNING
    [edge] = edge_reports(report, ["HO"], NOW)
    assert {c.camera: c.problem for c in edge.cameras} == {
        "gate": "auth_failed", "lobby": "unreachable", "yard": None,
    }  # fmt: skip


def test_an_nvr_camera_is_red_only_when_its_folder_stays_silent(tmp_path: Path) -> None:
    hourly = [NOW - timedelta(minutes=20) - i * HOUR for i in range(6)]
    journal = _journal(tmp_path, "gudang", hourly)
    nvr = CameraStatus(site="HO", state="nvr", watching_since=NOW - timedelta(days=2))
    system = SystemStatus(updated_at=NOW, pid=1, cameras={"gudang": nvr})
    [row] = build_report({"gudang": "HO"}, system, journal, NOW).cameras
    assert (row.state, row.problem, row.last_file_at) == ("nvr", None, hourly[0])
    later = NOW + 3 * HOUR  # three hourly files missed: silent
    [row] = build_report({"gudang": "HO"}, system, journal, later).cameras
    assert row.problem == Problem.NVR_SILENT
    configured = system.model_copy(update={"cameras": {
        "gudang": nvr.model_copy(update={"silent_after_s": 6 * 3600})}})  # fmt: skip
    [row] = build_report({"gudang": "HO"}, configured, journal, later).cameras
    assert row.problem is None
    # a folder that never got a file is silent once the limit has passed since watching began
    empty = Journal(tmp_path / "empty.sqlite3")
    empty.initialize()
    [row] = build_report({"gudang": "HO"}, system, empty, NOW).cameras
    assert (row.problem, row.last_file_at) == (Problem.NVR_SILENT, None)


def test_the_silence_limit_follows_the_folders_rhythm() -> None:
    every = [NOW - i * timedelta(minutes=10) for i in range(10)]
    assert limit(every, None) == HOUR  # 3 x 10 min, at least an hour
    daily = [NOW - i * timedelta(days=1) for i in range(4)]
    assert limit(daily, None) == timedelta(hours=26)  # at most a day and a bit
    assert limit([NOW], None) == timedelta(hours=26)  # too few files to tell
    assert limit(every, 900) == timedelta(minutes=15)  # configured wins
