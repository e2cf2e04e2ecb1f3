"""The thumbnails route with sprite tiles: one signed sprite per window, each
segment's tile (what the viewer lines up with object-position)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from footage.keys import sprite_tile
from footage.thumbnails import tile_reference
from tests.unit.functions.api_support import NOW, login, running_api


def test_sprite_tiles_share_one_signed_sprite(tmp_path):
    with running_api(tmp_path) as api:
        rows = api.catalog.query_camera("ho-lobby", NOW - timedelta(hours=1), NOW)
        for row in rows:
            tile = sprite_tile("HO", "ho-lobby", row.start, retention_days=180)
            api.storage.put_bytes(tile.key, b"\xff\xd8sprite")
            api.catalog.replace_segment(
                replace(row, thumbnail_key=tile_reference(tile)), expected=row
            )
        hour = {"start": (NOW - timedelta(hours=1)).isoformat(), "end": NOW.isoformat()}
        body = api.client.get("/api/cameras/ho-lobby/thumbnails", params=hour,
                              headers=login(api.client, "admin")).json()  # fmt: skip
        thumbs = body["thumbnails"]
        expected = [sprite_tile("HO", "ho-lobby", r.start, retention_days=180) for r in rows]
        assert [(t["tile"], t["tiles"]) for t in thumbs] == [(e.index, 10) for e in expected]
        by_window = {e.key for e in expected}
        assert len({t["url"] for t in thumbs}) == len(by_window)
        image = api.client.get(thumbs[0]["url"])
        assert image.status_code == 200 and image.content == b"\xff\xd8sprite"
