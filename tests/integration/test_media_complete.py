"""Is a dropped file finished? Real files made by ffmpeg, cut the way copies stall."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest

from footage.media.complete import check_whole
from footage.media.layout import declared_cut, sniff
from footage.media.probe import probe_file

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One 8 s H.264 clip in each container an NVR drops, plus two old codecs."""
    root = tmp_path_factory.mktemp("clips")
    source = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15:duration=8"]
    h264 = ["-c:v", "libx264", "-preset", "ultrafast", "-g", "15"]
    made = {
        "faststart.mp4": [*h264, "-movflags", "+faststart"],
        "fragmented.mp4": [*h264, "-movflags", "+frag_keyframe+empty_moov+default_base_moof"],
        "clip.mkv": h264, "clip.ts": h264, "clip.avi": h264,
        "divx.avi": ["-c:v", "mpeg4", "-vtag", "DIVX"], "mjpeg.avi": ["-c:v", "mjpeg"],
    }  # fmt: skip
    for name, args in made.items():
        subprocess.run(["ffmpeg", "-v", "error", "-y", *source, *args, str(root / name)],
                       check=True, timeout=60)  # fmt: skip
    return {name: root / name for name in made}


def _cut(path: Path, to: Path, keep: int) -> Path:
    to.write_bytes(path.read_bytes()[:keep])
    return to


@pytest.mark.parametrize("name", ["faststart.mp4", "fragmented.mp4", "clip.mkv", "clip.ts",
                                  "clip.avi", "divx.avi", "mjpeg.avi"])  # fmt: skip
def test_a_finished_file_is_whole(clips: dict[str, Path], name: str) -> None:
    path = clips[name]
    assert declared_cut(path) is None
    assert check_whole(path, probe_file(path, codecs=())).whole


@pytest.mark.parametrize(
    ("name", "says"),
    [("faststart.mp4", "box 'mdat'"), ("clip.mkv", "Matroska segment"), ("clip.avi", "RIFF")],
)
def test_a_copy_stalled_at_40_percent_is_not_whole(
    clips: dict[str, Path], tmp_path: Path, name: str, says: str
) -> None:
    size = clips[name].stat().st_size
    cut = _cut(clips[name], tmp_path / name, size * 4 // 10)
    info = probe_file(cut, codecs=())  # it reads as video all the same
    verdict = check_whole(cut, info)
    assert not verdict.whole and says in verdict.detail


def test_a_transport_stream_cut_on_a_packet_boundary_fails_its_tail(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    data = clips["clip.ts"].read_bytes()
    cut = _cut(clips["clip.ts"], tmp_path / "cut.ts", len(data) // 2 // 188 * 188 + 188 * 7)
    assert declared_cut(cut) is None  # nothing in a TS says how long it is
    info = probe_file(cut)
    assert not check_whole(cut, info).whole  # its end does not decode to its length
    odd = _cut(clips["clip.ts"], tmp_path / "odd.ts", len(data) // 2 + 100)
    assert "transport packet" in (declared_cut(odd) or "")


def test_fragmented_mp4_is_whole_at_a_fragment_boundary_only(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    data = clips["fragmented.mp4"].read_bytes()
    offset, boxes = 0, []
    while offset < len(data):
        size, kind = struct.unpack_from(">I4s", data, offset)
        boxes.append((offset, kind))
        offset += size
    moofs = [at for at, kind in boxes if kind == b"moof"]
    boundary = _cut(clips["fragmented.mp4"], tmp_path / "b.mp4", moofs[3])
    assert check_whole(boundary, probe_file(boundary)).whole  # a shorter, whole file
    inside = _cut(clips["fragmented.mp4"], tmp_path / "i.mp4", moofs[3] + 50)
    assert "moof" in (declared_cut(inside) or "")
    no_moov = _cut(clips["faststart.mp4"], tmp_path / "n.mp4", 32)  # ftyp, then nothing
    assert "moov" in (declared_cut(no_moov) or "")


def test_an_avi_whose_writer_has_not_finished_says_so(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    data = bytearray(clips["divx.avi"].read_bytes())
    data[4:8] = b"\0\0\0\0"  # the RIFF size is written last
    (tmp_path / "open.avi").write_bytes(data)
    assert "not finished" in (declared_cut(tmp_path / "open.avi") or "")


def test_sound_running_on_after_the_picture_is_whole(tmp_path: Path) -> None:
    path = tmp_path / "av.mkv"  # NVR exports: G.711 sound 2 s longer than the picture
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=320x240:rate=15:duration=4", "-f", "lavfi", "-i",
                    "sine=duration=6:sample_rate=8000", "-c:v", "libx264", "-preset", "ultrafast",
                    "-c:a", "pcm_alaw", str(path)], check=True, timeout=60)  # fmt: skip
    info = probe_file(path)
    assert info.duration_s > 5.5 and check_whole(path, info).whole


def test_sniff_knows_the_containers(clips: dict[str, Path]) -> None:
    kinds = {name: sniff(path.read_bytes()[:4096]) for name, path in clips.items()}
    assert kinds == {"faststart.mp4": "mp4", "fragmented.mp4": "mp4", "clip.mkv": "mkv",
                     "clip.ts": "ts", "clip.avi": "avi", "divx.avi": "avi",
                     "mjpeg.avi": "avi"}  # fmt: skip
    assert sniff(b"NVR export notes") == "other"
