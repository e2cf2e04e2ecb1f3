"""`vms retention run` and `vms evidence protect` on a real folder store and SQLite index."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import yaml
from typer.testing import CliRunner

from edge_uploader.shell.cli import app
from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.keys import build_export_key, build_segment_key, build_thumbnail_key
from footage.models import Segment
from footage.services.exports import ExportJob, ExportStatus, ExportStore

pytestmark = pytest.mark.integration
OLD = datetime(2025, 1, 10, 3, 0, tzinfo=UTC)  # long past a 30-day retention


@pytest.fixture
def site(tmp_path):
    config = {
        "sites": [{"id": "HO", "name": "HO"}],
        "cameras": [{"id": "cam-1", "site": "HO", "name": "Lobby",
                     "rtsp_url": "rtsp://127.0.0.1/x", "retention_days": 30}],
    }  # fmt: skip
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    data = tmp_path / "var"
    storage = FilesystemStorage(data / "storage", b"k" * 32)
    catalog = SqliteCatalog(data / "index.sqlite3")
    catalog.initialize()
    for minute in range(4):
        start = OLD + timedelta(minutes=minute)
        key, thumb = (
            build_segment_key("HO", "cam-1", start, retention_days=180),
            build_thumbnail_key("HO", "cam-1", start, retention_days=180),
        )
        storage.put_bytes(key, b"v" * 1000)
        storage.put_bytes(thumb, b"j" * 10)
        catalog.put_segment(
            Segment("cam-1", "HO", start, start + timedelta(minutes=1), 1000, "0" * 64, key,
                    thumbnail_key=thumb, expires_at=start + timedelta(days=30, minutes=1))
        )  # fmt: skip
    return path, data, storage, catalog


def _vms(*args: str):
    return CliRunner().invoke(app, list(args))


def test_dry_run_then_run_keeps_evidence(site):
    config, data, storage, catalog = site
    common = ["--config", str(config), "--data-dir", str(data)]
    held = _vms("evidence", "protect", "cam-1", "--start", "2025-01-10T10:00:30+07:00",
                "--end", "2025-01-10T10:01:30+07:00", "--reason", "case 17", *common)  # fmt: skip
    assert held.exit_code == 0, held.output

    dry = _vms("retention", "run", "--dry-run", "--json", *common)
    assert dry.exit_code == 0, dry.output
    report = json.loads(dry.stdout)
    assert (report["segments"], report["objects"], report["bytes"]) == (2, 4, 2000)
    assert report["protected_kept"] == 2  # the two past retention under the hold
    assert len(list(storage.list("segments/"))) == 4  # dry: nothing gone

    real = _vms("retention", "run", "--json", *common)
    assert real.exit_code == 0, real.output
    assert (json.loads(real.stdout)["segments"], json.loads(real.stdout)["protected_kept"]) == (
        2,
        2,
    )
    left = catalog.query_camera("cam-1", OLD, OLD + timedelta(hours=1))
    assert [s.start.minute for s in left] == [0, 1]  # the two under the hold
    assert all(s.protected for s in left)
    assert sorted(i.key for i in storage.list()) == sorted(
        k for s in left for k in (s.key, s.thumbnail_key)
    )


def test_bad_time_is_a_clear_error(site):
    config, data, _, _ = site
    result = _vms("evidence", "protect", "cam-1", "--start", "2025-01-10T10:00",
                  "--end", "2025-01-10T11:00+07:00", "--reason", "x",
                  "--config", str(config), "--data-dir", str(data))  # fmt: skip
    assert result.exit_code == 2
    assert "give a zone" in result.output


def test_retention_run_expires_exports_without_the_api(site):
    """The API's timer expires exports only while the API runs: the retention run
    (the daily scheduler of vms up runs the same) deletes those past a day too."""
    config, data, storage, _ = site
    store = ExportStore(storage)
    old = ExportJob(uuid.uuid4().hex, "cam-1", "HO", OLD, OLD + timedelta(minutes=2), "alice",
                    datetime.now(UTC) - timedelta(days=2), ExportStatus.DONE,
                    file_name="clip.mp4")  # fmt: skip
    store.save(old)
    storage.put_bytes(build_export_key(old.id, "clip.mp4"), b"mp4")
    result = _vms("retention", "run", "--config", str(config), "--data-dir", str(data))
    assert result.exit_code == 0, result.output
    assert list(storage.list("exports/")) == []
