"""edge_uploader.describe: what the edge says about a segment it recorded."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from edge_uploader.describe import description_metadata
from footage.description import from_metadata
from footage.storage import META_ORIGIN, ORIGIN_NVR
from tests.support.media import make_clip

START = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)


def _describe(path, **extra: str) -> dict[str, str]:
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return description_metadata(path, site="HO", camera="lobby", start=START, sha256=sha,
                                extra=extra)  # fmt: skip


def test_a_recording_is_described_as_ffmpeg_sees_it(tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", seconds=2, audio=True)
    described = from_metadata(_describe(clip))
    assert (described.codec, described.width, described.height) == ("h264", 320, 240)
    assert described.fps == 15.0 and described.audio_codec == "aac"
    assert 1900 <= described.duration_ms <= 2100
    assert described.size == clip.stat().st_size and 64 < described.init_size < 4096
    assert described.start == START and described.site == "HO"


def test_nvr_files_and_garbage_go_up_undescribed(tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", seconds=1)
    assert _describe(clip, **{META_ORIGIN: ORIGIN_NVR}) == {}
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\0" * 4096)
    assert _describe(garbage) == {}
