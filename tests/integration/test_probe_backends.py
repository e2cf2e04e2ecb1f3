"""ffprobe and ffmpeg-alone (framecrc, the Lambda path) agree on real files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from footage.errors import CorruptMedia
from footage.media.probe import ProbeBackend, probe_file

pytestmark = pytest.mark.integration
FRAG = "+frag_keyframe+empty_moov+default_base_moof"


def _make(path: Path, video: list[str], audio: list[str] | None, extra: list[str]) -> Path:
    args = [
        "ffmpeg",
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=640x360:rate=15:duration=4",
    ]
    if audio is not None:
        args += ["-f", "lavfi", "-i", "sine=duration=4:sample_rate=8000", *audio]
    subprocess.run([*args, *video, *extra, str(path)], check=True, timeout=120)
    return path


CLIPS = {
    "h264-aac-fmp4": (["-c:v", "libx264", "-preset", "ultrafast", "-g", "15"], ["-c:a", "aac"],
                      ["-movflags", FRAG], "mp4"),
    "hevc-alaw-mkv": (["-c:v", "libx265", "-preset", "ultrafast",
                       "-x265-params", "log-level=error"],
                      ["-c:a", "pcm_alaw"], [], "mkv"),
    "h264-ts-noaudio": (["-c:v", "libx264", "-preset", "ultrafast", "-bf", "2"], None, [], "ts"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CLIPS))
def test_backends_agree(tmp_path, name):
    video, audio, extra, ext = CLIPS[name]
    clip = _make(tmp_path / f"{name}.{ext}", video, audio, extra)
    reference = probe_file(clip, backend=ProbeBackend.FFPROBE)
    packets = probe_file(clip, backend=ProbeBackend.FFMPEG)
    assert (packets.codec, packets.width, packets.height) == (
        reference.codec,
        reference.width,
        reference.height,
    )
    assert packets.audio_codec == reference.audio_codec
    assert packets.fps == pytest.approx(reference.fps, abs=0.01)
    assert packets.duration_s == pytest.approx(reference.duration_s, abs=0.12)
    assert packets.fps == 15.0 and 3.9 <= packets.duration_s <= 4.2


def test_truncated_fragmented_mp4_keeps_complete_fragments(tmp_path):
    clip = _make(tmp_path / "full.mp4", *CLIPS["h264-aac-fmp4"][:3])
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clip.read_bytes()[: clip.stat().st_size * 2 // 3])
    info = probe_file(cut, backend=ProbeBackend.FFMPEG)
    assert 1.0 <= info.duration_s < 4.0
    assert info.codec == "h264"


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "unreadable"), (b"\x00garbage" * 5000, "unreadable")],
)
def test_unreadable_files_are_corrupt(tmp_path, content, reason):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(content)
    with pytest.raises(CorruptMedia, match=reason):
        probe_file(bad, backend=ProbeBackend.FFMPEG)


def test_audio_only_file_has_no_video(tmp_path):
    audio = tmp_path / "audio.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=duration=2",
                    "-c:a", "aac", str(audio)], check=True, timeout=60)  # fmt: skip
    with pytest.raises(CorruptMedia, match=r"no video stream|unreadable"):
        probe_file(audio, backend=ProbeBackend.FFMPEG)
