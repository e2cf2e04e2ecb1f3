"""Thumbnail sprites as the lifecycle's second kind of item: when a window closes,
when a sprite may go (footage first), what the spool drops first, and where
each tile goes in the sprite (pure: no SQLite, no ffmpeg)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge_uploader.lifecycle import (
    SPRITE_PENDING,
    SPRITE_SOURCES,
    SpriteState,
    SpriteWindow,
    next_sprite_to_drop,
    next_sprites,
    window_closes,
)
from edge_uploader.sprites.media import TILE_HEIGHT, TILE_WIDTH, sprite_command, tile_command
from edge_uploader.sprites.service import DEFAULT_GRACE, sprite_policy
from footage.keys import SPRITE_TILES, build_sprite_key, sprite_tile

SP = SpriteState
W0 = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)  # a window's start
GRACE = timedelta(seconds=120)


def window(minutes: int = 0, state: SpriteState = SP.OPEN, **kw: object) -> SpriteWindow:
    start = W0 + timedelta(minutes=minutes)
    key = build_sprite_key("HO", "lobby", start, retention_days=30)
    return SpriteWindow(key, "lobby", "HO", start, Path(f"/spool/sprites/{minutes}"), state, **kw)  # type: ignore[arg-type]


# -- when a window closes ----------------------------------------------------------


def test_a_window_closes_after_its_end_plus_grace_when_nothing_of_it_is_pending():
    end = W0 + timedelta(minutes=10)
    assert not window_closes(window(), end, GRACE, pending=0, later=False)
    assert not window_closes(window(), end + GRACE - timedelta(seconds=1), GRACE, 0, False)
    assert window_closes(window(), end + GRACE, GRACE, pending=0, later=False)


def test_the_next_windows_first_segment_closes_it_at_once():
    assert window_closes(window(), W0 + timedelta(minutes=10, seconds=5), GRACE, 0, later=True)


def test_a_window_with_footage_still_pending_stays_open_however_late():
    """An outage: its segments are still in the backlog, so their tiles may still
    join (the sprite never goes before its window's footage)."""
    days_later = W0 + timedelta(days=2)
    assert not window_closes(window(), days_later, GRACE, pending=1, later=True)


@pytest.mark.parametrize("state", [SP.CLOSED, SP.READY, SP.SENT, SP.DROPPED])
def test_only_an_open_window_closes(state):
    assert not window_closes(window(state=state), W0 + timedelta(days=1), GRACE, 0, True)


def test_grace_is_the_cameras_segment_length_plus_a_minute():
    policy = sprite_policy({"lobby": 60, "gate": 300})
    assert policy.grace_for("lobby") == timedelta(seconds=120)
    assert policy.grace_for("gate") == timedelta(seconds=360)
    assert policy.grace_for("unknown") == DEFAULT_GRACE == timedelta(seconds=360)


# -- when a sprite goes: footage first -----------------------------------------------


def test_no_sprite_goes_while_any_footage_is_due():
    ready = [window(0, SP.READY), window(10, SP.READY)]
    assert next_sprites(ready, W0 + timedelta(hours=1), footage_due=1, limit=8) == []
    assert next_sprites(ready, W0 + timedelta(hours=1), footage_due=0, limit=8) == ready


def test_sprites_go_oldest_first_when_due_and_ready_only():
    now = W0 + timedelta(hours=1)
    failing = window(0, SP.READY, retry_at=now + timedelta(seconds=1))  # a failed send
    rows = [window(20, SP.READY), failing, window(10, SP.READY), window(30, SP.OPEN),
            window(40, SP.CLOSED)]  # fmt: skip
    starts = [w.start for w in next_sprites(rows, now, 0, 8)]
    assert starts == [W0 + timedelta(minutes=m) for m in (10, 20)]
    assert len(next_sprites(rows, now, 0, limit=1)) == 1
    assert failing in next_sprites(rows, now + timedelta(seconds=1), 0, 8)


# -- what the spool drops first ------------------------------------------------------


def test_the_oldest_sprite_not_sent_is_dropped_first_and_sent_ones_never():
    rows = [window(0, SP.SENT), window(20, SP.READY), window(10, SP.OPEN), window(30, SP.DROPPED)]
    assert next_sprite_to_drop(rows) == rows[2]
    assert next_sprite_to_drop([window(0, SP.SENT), window(10, SP.DROPPED)]) is None


def test_every_state_is_reachable_and_sent_or_dropped_is_final():
    reachable = {SP.OPEN} | set(SPRITE_SOURCES)
    assert reachable == set(SpriteState)
    assert SPRITE_SOURCES[SP.DROPPED] == SPRITE_PENDING == {SP.OPEN, SP.CLOSED, SP.READY}
    assert not any({SP.SENT, SP.DROPPED} & sources for sources in SPRITE_SOURCES.values())


# -- tile placement ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset_s", "index"), [(0, 0), (59, 0), (60, 1), (61, 1), (330, 5), (599, 9)]
)
def test_a_segment_goes_in_the_tile_of_its_minute(offset_s, index):
    tile = sprite_tile("HO", "lobby", W0 + timedelta(seconds=offset_s), retention_days=30)
    assert (tile.index, tile.window_start) == (index, W0)
    assert tile.key == build_sprite_key("HO", "lobby", W0, retention_days=30)


def test_the_sprite_lays_tiles_left_to_right_and_absent_ones_black(tmp_path):
    tiles = {0: tmp_path / "0.jpg", 3: tmp_path / "3.jpg", 9: tmp_path / "9.jpg"}
    args = sprite_command(tiles, tmp_path / "sprite.jpg")
    inputs = [args[i + 1] for i, a in enumerate(args) if a == "-i"]
    assert len(inputs) == SPRITE_TILES
    assert [inputs[i] for i in (0, 3, 9)] == [str(tiles[i]) for i in (0, 3, 9)]
    black = f"color=c=black:s={TILE_WIDTH}x{TILE_HEIGHT}:d=1"
    assert all(inputs[i] == black for i in (1, 2, 4, 5, 6, 7, 8))
    graph = args[args.index("-filter_complex") + 1]
    assert graph.endswith("".join(f"[t{i}]" for i in range(10)) + "hstack=inputs=10")
    with pytest.raises(ValueError, match=r"tiles 0\.\.9"):
        sprite_command({10: tmp_path / "x.jpg"}, tmp_path / "sprite.jpg")


def test_a_tile_decodes_the_first_keyframe_only_on_one_thread(tmp_path):
    args = tile_command(tmp_path / "seg.mp4", tmp_path / "tile.jpg")
    assert args[args.index("-skip_frame") + 1] == "nokey"
    assert args.index("-skip_frame") < args.index("-i")  # a decoder (input) option
    assert args[args.index("-frames:v") + 1] == "1" and args[args.index("-threads") + 1] == "1"
    assert f"pad={TILE_WIDTH}:{TILE_HEIGHT}" in args[args.index("-vf") + 1]
