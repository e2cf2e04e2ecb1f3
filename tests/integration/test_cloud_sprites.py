"""Thumbnails made at the edge, on a moto server with the real ingest handler.

The edge as ``vms up`` wires it (edge_uploader.shell.bootstrap, ``uploader.ingest:
cloud``) records three segments of one 10-minute window: they go up described,
each saying its tile is in the sprite; once the window is over the sprite goes up
as one JPEG, after the footage; ingest points each row at its tile and stores no
thumbnail of its own. On-prem (``ingest: local``) the edge makes no sprite.
"""

from __future__ import annotations

import dataclasses
import shutil
from datetime import UTC, datetime, timedelta

import pytest

from edge_uploader.lifecycle import SpriteState
from edge_uploader.shell.bootstrap import bootstrap
from footage.adapters.s3 import S3Storage, make_s3_client
from footage.clock import FixedClock
from footage.config import IngestMode
from footage.config_loader import load_config
from footage.keys import build_spool_name, sprite_tile
from footage.models import SegmentStatus
from footage.thumbnails import tile_reference
from tests.support.cloud import REGION, serverless
from tests.support.media import make_clip

pytestmark = pytest.mark.integration
T0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
CAMERAS = {"lobby": ("HO", 30)}


def test_a_recorded_windows_segments_and_sprite_arrive_and_rows_point_at_tiles(
    moto_server, tmp_path, monkeypatch
):
    clip = make_clip(tmp_path / "clip.mp4", seconds=3)
    with serverless(moto_server, tmp_path, CAMERAS) as cloud:
        checked = S3Storage(make_s3_client(moto_server, REGION), cloud.names.bucket,
                            server_checksums=True)  # fmt: skip
        monkeypatch.setattr(cloud.ingest, "context",
                            dataclasses.replace(cloud.ingest.context, storage=checked))  # fmt: skip
        clock = FixedClock(T0)
        rt = bootstrap(load_config(cloud.config), tmp_path / "edge", clock=clock)
        rt = dataclasses.replace(rt, storage=checked)  # moto keeps the SHA-256 (see module)
        rt.spool.prepare(["lobby"])
        for minute in (0, 1, 3):
            src = rt.spool.recording_dir("lobby") / build_spool_name(T0 + timedelta(minutes=minute))
            shutil.copy(clip, src)
            rt.spool.finalize(src, "lobby", "HO", clock.now())
        uploader = rt.uploader()
        clock.moment = T0 + timedelta(minutes=4)
        assert uploader.tick() == 3 and uploader.uploaded == 3
        clock.moment = T0 + timedelta(minutes=13)  # the window and its grace are over
        assert uploader.tick() == 2  # assembled, then sent
        tile = sprite_tile("HO", "lobby", T0, retention_days=30)
        assert rt.journal.sprites.window(tile.key).state is SpriteState.SENT  # type: ignore[union-attr]
        assert cloud.pump() == []  # the sprite's own notification fails nothing
        rows = cloud.catalog.query_camera("lobby", T0, T0 + timedelta(minutes=10))
        sprite = cloud.storage.head(tile.key)
        stored = [o.key for o in cloud.storage.list("thumbnails/")]

    assert [r.start for r in rows] == [T0 + timedelta(minutes=m) for m in (0, 1, 3)]
    assert all(r.status is SegmentStatus.OK for r in rows)
    expected = [tile_reference(dataclasses.replace(tile, index=m)) for m in (0, 1, 3)]
    assert [r.thumbnail_key for r in rows] == expected
    assert sprite is not None and 1000 < sprite.size < 200_000
    assert stored == [tile.key]  # one thumbnail PUT for the window, none per segment

    config = load_config(cloud.config)
    local = config.uploader.model_copy(update={"ingest": IngestMode.LOCAL})
    onprem = config.model_copy(update={"uploader": local})
    assert bootstrap(onprem, tmp_path / "nas", clock=clock).uploader().sprites is None
