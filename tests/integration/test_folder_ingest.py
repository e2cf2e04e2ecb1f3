"""NVR drop folder -> watcher -> spool -> uploader -> NAS storage -> ingest -> SQLite index,
with real files made by ffmpeg and copied the way real copies go wrong: stalled
half way, in slow chunks, dropped twice, cut short, empty, without frames, in old
codecs, and still growing after they were taken. Afterwards every second of every
file plays from storage exactly once, or the folder's account says why not.
"""

from __future__ import annotations

import itertools
import shutil
import struct
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from edge_uploader.journal import Journal
from edge_uploader.lifecycle import SegmentState
from edge_uploader.shell.watch_report import watch_folder_reports
from edge_uploader.spool import Spool
from edge_uploader.uploader import Uploader, UploadPolicy
from edge_uploader.watcher import FolderWatcher
from edge_uploader.workers import IngestWorker
from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.clock import FixedClock
from footage.config import Camera, WatchFolder
from footage.keys import build_original_key
from footage.models import Segment, SegmentStatus
from footage.services.ingest import CameraPolicy, IngestContext
from footage.watch_account import DropReason, FileOutcome, WatchedFileReport

pytestmark = pytest.mark.integration
PATTERN = r"(?P<Y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})"
WITA = ZoneInfo("Asia/Makassar")
CAM, SITE = "cab-1", "CABANG-01"
SECONDS = 6
#: A segment may start at the keyframe before the second asked for, and ffmpeg's
#: durations round: a second's slack where a file's coverage is compared.
SLACK = timedelta(seconds=1)


def _ffmpeg(path: Path, *video: str, seconds: float = SECONDS, audio: bool = False) -> Path:
    args = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
            f"testsrc2=size=320x240:rate=15:duration={seconds}"]  # fmt: skip
    if audio:  # like most NVRs: G.711
        args += ["-f", "lavfi", "-i", f"sine=duration={seconds}:sample_rate=8000",
                 "-c:a", "pcm_alaw"]  # fmt: skip
    subprocess.run([*args, *video, str(path)], check=True, timeout=60)
    return path


def _h264(path: Path, *flags: str, seconds: float = SECONDS, audio: bool = False) -> Path:
    return _ffmpeg(path, "-c:v", "libx264", "-preset", "ultrafast", "-g", "15", *flags,
                   seconds=seconds, audio=audio)  # fmt: skip


def _fragment_cut(data: bytes) -> int:
    """The offset of the fragment (moof) nearest the middle: a whole shorter fMP4."""
    offset, cuts = 0, []
    while offset + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, offset)
        if kind == b"moof":
            cuts.append(offset)
        offset += size
    return min(cuts[1:], key=lambda cut: abs(cut - len(data) // 2))


@dataclass
class Rig:
    drop: Path
    clock: FixedClock
    journal: Journal
    spool: Spool
    watcher: FolderWatcher
    uploader: Uploader
    ingest: IngestWorker
    catalog: SqliteCatalog
    storage: FilesystemStorage
    folder: WatchFolder

    def run(self, seconds: int = 8) -> None:
        """The edge's loops, one second apart."""
        for _ in range(seconds):
            self.watcher.tick()
            self.uploader.tick()
            self.ingest.tick()
            self.clock.advance(seconds=1)

    def row(self, name: str):
        return self.journal.watched.get(self.drop / name)

    def playable(self) -> list[Segment]:
        return self.catalog.query_camera(CAM, T0 - timedelta(hours=3), T0 + timedelta(hours=3))


T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 10:00 WITA


def _name(minutes: int, ext: str) -> str:
    local = (T0 + timedelta(minutes=minutes)).astimezone(WITA)
    return f"ch01_{local:%Y%m%d%H%M%S}.{ext}"


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    drop = tmp_path / "nvr"
    drop.mkdir()
    camera = Camera(id=CAM, site=SITE, name="Kasir", rtsp_url="rtsp://127.0.0.1/x")
    folder = WatchFolder(path=drop, camera=CAM, filename_pattern=PATTERN, stable_seconds=2,
                         delete_after_s=30, salvage_after_s=60)  # fmt: skip
    journal = Journal(tmp_path / "spool" / "journal.sqlite3")
    spool = Spool(tmp_path / "spool", journal, 10**10, 0)
    spool.prepare([CAM])
    clock = FixedClock(T0 + timedelta(hours=1))
    storage = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    catalog = SqliteCatalog(tmp_path / "index.sqlite3")
    catalog.initialize()
    ctx = IngestContext(storage, catalog, clock, {CAM: CameraPolicy(30, site=SITE)}, tmp_path)
    return Rig(drop, clock, journal, spool, FolderWatcher(folder, camera, WITA, spool, clock),
               Uploader(journal, storage, clock, UploadPolicy(workers=1)),
               IngestWorker(journal.ingest, ctx, clock), catalog, storage, folder)  # fmt: skip


def _account(rig: Rig) -> dict[str, WatchedFileReport]:
    [report] = watch_folder_reports(rig.journal.watched, [rig.folder], {CAM: SITE})
    return {f.name: f for f in report.files}


def _write(path: Path, data: bytes, mode: str = "wb") -> None:
    with path.open(mode) as handle:
        handle.write(data)


def test_a_stalled_header_first_copy_is_taken_once_and_whole(rig: Rig, tmp_path: Path) -> None:
    source = _h264(tmp_path / "export.mp4", "-movflags", "+faststart").read_bytes()
    name = _name(0, "mp4")
    _write(rig.drop / name, source[: len(source) * 4 // 10])  # 40 %, then the copy stalls
    rig.run(seconds=6)  # longer than stable_seconds (2 s)
    row = rig.row(name)
    assert row.outcome is FileOutcome.WAITING and row.code is DropReason.INCOMPLETE
    assert "mdat" in row.detail  # the container says bytes are missing
    assert rig.journal.stats.backlog().count == 0 and rig.playable() == []  # nothing half-written
    _write(rig.drop / name, source[len(source) * 4 // 10 :], "ab")  # the copy resumes
    rig.watcher.tick()
    rig.clock.advance(seconds=3)
    rig.watcher.tick()  # taken: stable and whole
    assert (rig.drop / name).exists(), "the source stays until its stored copy is verified"
    rig.run()
    assert rig.journal.uploads.upload_state(rig.row(name).segment)[0] is SegmentState.UPLOADED
    assert (rig.drop / name).exists(), "and a while longer: a recorder may still append"
    rig.run(seconds=30)
    assert not (rig.drop / name).exists()
    [segment] = rig.playable()
    assert segment.start == T0 and abs(segment.duration_s - SECONDS) < 0.5
    assert rig.row(name).outcome is FileOutcome.INGESTED and rig.row(name).deleted


def test_a_crash_between_journal_and_rename_loses_nothing_and_takes_once(
    rig: Rig, tmp_path: Path
) -> None:
    name = _name(0, "mkv")
    _h264(rig.drop / name, audio=True)

    def crash(targets: object) -> None:
        raise KeyboardInterrupt  # kill -9: the journal committed, the rename never came

    rig.watcher.tick()
    rig.clock.advance(seconds=3)
    rig.spool.adopt, adopt = crash, rig.spool.adopt  # type: ignore[method-assign,assignment]
    with pytest.raises(KeyboardInterrupt):
        rig.watcher.tick()
    rig.spool.adopt = adopt  # type: ignore[method-assign]
    rig.spool.reconcile({CAM: SITE}, rig.clock.now())  # vms up starts again
    watcher = FolderWatcher(rig.folder, rig.watcher.camera, WITA, rig.spool, rig.clock)
    rig.watcher = watcher
    rig.run(seconds=40)
    [segment] = rig.playable()
    assert abs(segment.duration_s - SECONDS) < 0.5
    assert len(list(rig.storage.list("segments/"))) == 1
    assert not (rig.drop / name).exists()


def test_every_second_of_every_drop_plays_once_or_is_accounted_for(
    rig: Rig, tmp_path: Path
) -> None:
    made = tmp_path / "made"
    made.mkdir()
    # A copy over a slow link: small chunks, each pause shorter than stable_seconds.
    slow = _h264(made / "slow.mkv", audio=True).read_bytes()
    divx = _ffmpeg(made / "divx.avi", "-c:v", "mpeg4", "-vtag", "DIVX")
    mjpeg = _ffmpeg(made / "mjpeg.avi", "-c:v", "mjpeg", "-q:v", "5")
    growing = _h264(made / "grow.mp4", "-movflags", "+frag_keyframe+empty_moov+default_base_moof")
    cut_short = _h264(made / "cut.mp4", "-movflags", "+faststart").read_bytes()
    # another export over part of the slow one's time, with other content
    over = _ffmpeg(made / "over.mkv", "-c:v", "libx264", "-preset", "ultrafast", "-r", "10")
    zero = _h264(made / "zero.mp4", "-frames:v", "0",
                 "-movflags", "+frag_keyframe+empty_moov+default_base_moof")  # fmt: skip
    names = {key: _name(10 * n, ext) for n, (key, ext) in enumerate(
        [("slow", "mkv"), ("divx", "avi"), ("mjpeg", "avi"), ("grow", "mp4"), ("cut", "mp4"),
         ("empty", "mp4"), ("zero", "mp4")])}  # fmt: skip
    shutil.copy(divx, rig.drop / names["divx"])
    shutil.copy(mjpeg, rig.drop / names["mjpeg"])
    data = growing.read_bytes()
    first = _fragment_cut(data)
    _write(rig.drop / names["grow"], data[:first])  # whole fragments: a shorter, whole file
    _write(rig.drop / names["cut"], cut_short[: len(cut_short) // 2])  # never finished
    _write(rig.drop / names["empty"], b"")
    shutil.copy(zero, rig.drop / names["zero"])
    (rig.drop / "notes.txt").write_text("NVR export notes")
    over_start = T0 + timedelta(minutes=10, seconds=3)
    shutil.copy(over, rig.drop / f"ch01_{over_start.astimezone(WITA):%Y%m%d%H%M%S}.mkv")
    for start in range(0, len(slow), 64 * 1024):
        _write(rig.drop / names["slow"], slow[start : start + 64 * 1024], "ab")
        rig.watcher.tick()
        rig.clock.advance(seconds=1)
    assert rig.row(names["slow"]).outcome is FileOutcome.WAITING  # written to the last chunk
    rig.run(seconds=6)
    grown_v1 = rig.catalog.get_segment(CAM, T0 + timedelta(minutes=30))
    assert grown_v1 is not None and grown_v1.duration_s < SECONDS - 1
    _write(rig.drop / names["grow"], data[first:], "ab")  # the NVR writes on
    rig.run(seconds=6)
    rig.clock.advance(seconds=rig.folder.salvage_after_s)
    rig.run(seconds=4)  # salvaged what never finished, deleted what is stored
    assert not (rig.drop / names["divx"]).exists()
    first_account = _account(rig)
    shutil.copy(made / "divx.avi", rig.drop / names["divx"])  # the same export, again
    rig.run(seconds=4)

    account = _account(rig)
    assert account[names["divx"]].reason_code == DropReason.DUPLICATE
    assert account[names["empty"]].reason == "berkas kosong / file is empty"
    assert account[names["zero"]].reason == "durasi nol / zero duration"
    assert account["notes.txt"].reason == "bukan video / not a video file"
    assert account[names["cut"]].outcome == FileOutcome.SALVAGED
    for key in ("empty", "zero", "cut"):
        assert (rig.drop / names[key]).exists(), f"{key}: a file not taken whole is kept"
    assert (rig.drop / "notes.txt").exists()

    playable = rig.playable()
    for before, after in itertools.pairwise(playable):
        assert before.end <= after.start + timedelta(milliseconds=100), "nothing plays twice"
    assert (rig.drop / names["divx"]).exists(), "a duplicate is left where it was dropped"
    for key in ("slow", "divx", "mjpeg", "grow"):
        start = T0 + timedelta(minutes=10 * list(names).index(key))
        covered = sum(((min(s.end, start + timedelta(seconds=SECONDS)) - max(s.start, start))
                       for s in playable if s.end > start and s.start < start + timedelta(
                           seconds=SECONDS)), timedelta())  # fmt: skip
        assert covered >= timedelta(seconds=SECONDS) - SLACK, key
        if key != "divx":
            assert not (rig.drop / names[key]).exists(), f"{key}: deleted once stored"
    for segment in playable:
        assert segment.codec == "h264"
        path = rig.storage.local_path(segment.key)
        subprocess.run(["ffmpeg", "-v", "error", "-xerror", "-i", str(path), "-f", "null", "-"],
                       check=True, timeout=60)  # fmt: skip

    # the old codecs: H.264 now, the original kept beside it, expired with it
    for key, codec in (("divx", "MPEG-4 Part 2"), ("mjpeg", "MJPEG")):
        start = T0 + timedelta(minutes=10 * list(names).index(key))
        original = build_original_key(SITE, CAM, start, "avi", retention_days=180)
        segment = rig.catalog.get_segment(CAM, start)
        assert original in segment.derived_keys
        assert rig.storage.head(original).size == (made / f"{key}.avi").stat().st_size
        assert first_account[names[key]].reason_params == {"codec": codec, "key": original}
    # the file that grew: its first version kept apart as replaced, the longer one plays
    start = T0 + timedelta(minutes=30)
    rows = rig.catalog.query_camera(CAM, start, start + timedelta(seconds=1),
                                    include_quarantined=True)  # fmt: skip
    assert sorted(r.status for r in rows) == [SegmentStatus.OK, SegmentStatus.REPLACED]
    assert all(rig.storage.head(r.key) is not None for r in rows), "both versions stay stored"
    # the export over footage that plays: kept, never played
    overlap = rig.catalog.get_segment(CAM, over_start)
    assert overlap.status is SegmentStatus.OVERLAP and "overlaps footage" in overlap.reason
    # the file cut short: what plays of it is taken, the rest is accounted for
    salvaged = rig.catalog.get_segment(CAM, T0 + timedelta(minutes=40))
    assert salvaged is not None and 1 <= salvaged.duration_s < SECONDS - 1
    kept = account[names["cut"]].reason_params
    assert int(kept["stated"]) == SECONDS and int(kept["kept"]) < SECONDS


def test_a_file_that_leaves_while_waiting_is_accounted_for_and_taken_when_back(
    rig: Rig, tmp_path: Path
) -> None:
    name = _name(0, "mkv")
    _h264(rig.drop / name, seconds=2)
    rig.watcher.tick()
    (rig.drop / name).rename(rig.drop / f".{name}")  # a copy tool moves it aside (hidden)
    rig.watcher.tick()
    assert rig.row(name).outcome is FileOutcome.REMOVED
    assert (
        rig.row(name).reason
        == "dihapus dari folder sebelum diambil / removed from the folder before it was taken"
    )
    (rig.drop / f".{name}").rename(rig.drop / name)  # back, size and mtime as they were
    rig.run()
    assert rig.row(name).outcome is FileOutcome.INGESTED and len(rig.playable()) == 1
