"""Edge compression with real ffmpeg: profiles, holds, crashes, bad input, the
CPU budget and the hardware fallback (edge_uploader.compressor)."""

from __future__ import annotations

import hashlib
import random
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge_uploader.compressor import Compressor
from edge_uploader.cpu_budget import CpuGovernor
from edge_uploader.journal import Journal
from edge_uploader.lifecycle import SegmentState
from edge_uploader.spool import Spool
from edge_uploader.uploader import Uploader, UploadPolicy
from footage.adapters.filesystem import FilesystemStorage
from footage.clock import FixedClock
from footage.config import Config
from footage.keys import build_segment_key, build_spool_name
from footage.media.encoders import Accel, Encoder
from footage.media.probe import probe_file
from footage.storage import META_PROFILE, META_SHA256
from tests.support.media import make_camera_clip

pytestmark = pytest.mark.integration
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
SECONDS = 4


def config(edge_profile: str = "cctv-h264", **compression: object) -> Config:
    return Config.model_validate({
        "sites": [{"id": "HO", "name": "Head office"}],
        "cameras": [
            {"id": "lobby", "site": "HO", "name": "Lobby", "rtsp_url": "rtsp://cam/1",
             "edge_profile": edge_profile},
            {"id": "gate", "site": "HO", "name": "Gate", "rtsp_url": "rtsp://cam/2",
             "edge_profile": "copy"},
        ],
        "profiles": {"lossless": {"codec": "h264", "crf": 0, "preset": "ultrafast"}},
        "uploader": {"compression": {"cpu_budget_cores": 2, **compression}},
    })  # fmt: skip


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_camera_clip(tmp_path_factory.mktemp("clips") / "camera.mp4", SECONDS)


@dataclass
class Edge:
    root: Path
    journal: Journal
    spool: Spool
    storage: FilesystemStorage
    clock: FixedClock
    config: Config

    def record(self, clip: Path, minute: int, camera: str = "lobby") -> Path:
        src = self.spool.recording_dir(camera) / build_spool_name(T0 + timedelta(minutes=minute))
        shutil.copyfile(clip, src)
        target = self.spool.finalize(src, camera, "HO", self.clock.now())
        assert target is not None
        return target

    def compressor(self, **kwargs: object) -> Compressor:
        """As vms up makes it: its plan published before the uploader starts."""
        compressor = Compressor(self.journal, self.spool, self.clock, self.config, **kwargs)  # type: ignore[arg-type]
        compressor.publish()
        return compressor

    def uploader(self) -> Uploader:
        policy = UploadPolicy(workers=1, retry_initial_s=1, retry_max_s=2)
        return Uploader(self.journal, self.storage, self.clock, policy, random.Random(1))

    def stored(self, minute: int, camera: str = "lobby") -> Path:
        return (
            self.root
            / "store"
            / build_segment_key("HO", camera, T0 + timedelta(minutes=minute), retention_days=180)
        )


def make_edge(root: Path, cfg: Config) -> Edge:
    journal = Journal(root / "spool" / "journal.sqlite3")
    spool = Spool(root / "spool", journal, quota_bytes=10**10, min_free_bytes=0)
    spool.prepare(["lobby", "gate"])
    storage = FilesystemStorage(root / "store", b"k" * 32)
    return Edge(root, journal, spool, storage, FixedClock(T0 + timedelta(hours=1)), cfg)


@pytest.fixture
def edge(tmp_path: Path) -> Edge:
    return make_edge(tmp_path, config())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_footage_is_held_compressed_then_uploaded(edge: Edge, clip: Path) -> None:
    lobby = edge.record(clip, 0)
    gate = edge.record(clip, 0, camera="gate")  # edge_profile: copy
    compressor = edge.compressor()
    uploader = edge.uploader()

    assert uploader.tick() == 1  # only the gate: the lobby waits for the compressor
    assert edge.stored(0, "gate").read_bytes() == clip.read_bytes()
    assert not edge.stored(0).exists()

    assert compressor.tick() == 1
    item = edge.journal.uploads.item(lobby)
    assert item is not None and item.profile == "cctv-h264" and item.upload_path is not None
    assert item.recorded_size == clip.stat().st_size
    assert item.size == item.upload_path.stat().st_size < clip.stat().st_size // 3
    assert not lobby.exists()  # the recording is gone once the compressed file is journalled

    assert uploader.tick() == 1
    stored = edge.stored(0)
    head = edge.storage.head(build_segment_key("HO", "lobby", T0, retention_days=180))
    assert head is not None and head.metadata[META_PROFILE] == "cctv-h264"
    assert head.metadata[META_SHA256] == sha256(stored)
    info = probe_file(stored)
    assert info.codec == "h264" and abs(info.duration_s - SECONDS) < 0.2
    assert not item.upload_path.exists()
    assert compressor.stats.encoded == 1 and compressor.stats.cpu_s > 0
    assert edge.journal.stats.compression("HO", T0) == (2 * clip.stat().st_size,
                                                  clip.stat().st_size + item.size)  # fmt: skip
    assert gate.exists() is False


def test_corrupt_footage_goes_up_as_recorded(edge: Edge, clip: Path) -> None:
    bad = edge.record(clip, 1)
    bad.write_bytes(b"\x00\x00\x01 not video at all " * 5000)
    compressor = edge.compressor()
    assert compressor.tick() == 1
    item = edge.journal.uploads.item(bad)
    assert item is not None and item.profile == "copy" and item.upload_path is None
    assert "cannot compress" in (compressor.stats.last_error or "")
    assert compressor.stats.sent_as_recorded == 1
    assert edge.uploader().tick() == 1
    assert edge.stored(1).read_bytes() == b"\x00\x00\x01 not video at all " * 5000


def test_an_encode_that_does_not_pay_is_dropped(tmp_path: Path, clip: Path) -> None:
    edge = make_edge(tmp_path, config("lossless"))  # crf 0: bigger than the camera's stream
    path = edge.record(clip, 2)
    compressor = edge.compressor()
    compressor.tick()
    item = edge.journal.uploads.item(path)
    assert item is not None and item.profile == "copy" and path.exists()
    assert list((edge.spool.root / "edge").glob("*/*")) == []
    assert compressor.stats.last_error is None and compressor.stats.sent_as_recorded == 1


def test_evidence_is_never_recompressed(edge: Edge, clip: Path) -> None:
    path = edge.record(clip, 3)
    assert edge.journal.uploads.mark_evidence("lobby", T0, T0 + timedelta(hours=1)) == 1
    compressor = edge.compressor()
    assert compressor.tick() == 0
    assert edge.uploader().tick() == 1
    assert edge.stored(3).read_bytes() == clip.read_bytes()
    assert not path.exists()


def test_a_crash_mid_encode_is_undone_at_restart(edge: Edge, clip: Path) -> None:
    path = edge.record(clip, 4)
    edge.compressor()  # the lobby compresses: its footage waits for the compressor
    assert edge.journal.uploads.claim_encode(path, "cctv-h264")  # claimed, then the power went
    orphan = edge.spool.compressed_dir("lobby") / f"{path.stem}.cctv-h264.mp4.part"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"half an encode")
    assert edge.uploader().tick() == 0  # held while claimed

    restarted = make_edge(edge.root, edge.config)
    restarted.journal.initialize()  # the claim is released
    restarted.spool.reconcile({"lobby": "HO", "gate": "HO"}, restarted.clock.now())
    assert not orphan.exists()
    compressor = restarted.compressor()
    assert compressor.tick() == 1
    item = restarted.journal.uploads.item(path)
    assert item is not None and item.profile == "cctv-h264"
    assert restarted.uploader().tick() == 1
    assert probe_file(restarted.stored(4)).codec == "h264"


def test_a_crash_after_the_encode_keeps_the_encode(edge: Edge, clip: Path) -> None:
    path = edge.record(clip, 5)
    compressor = edge.compressor()
    compressor.tick()
    item = edge.journal.uploads.item(path)
    assert item is not None and item.upload_path is not None
    compressed = item.upload_path.read_bytes()
    shutil.copyfile(clip, path)  # as if the crash came before the recording was deleted
    edge.spool.reconcile({"lobby": "HO", "gate": "HO"}, edge.clock.now())
    assert not path.exists() and item.upload_path.exists()
    assert edge.journal.stats.backlog().count == 1  # not journalled a second time
    assert edge.uploader().tick() == 1
    assert edge.stored(5).read_bytes() == compressed


def test_a_broken_hardware_encoder_falls_back_to_software(edge: Edge, clip: Path) -> None:
    missing = edge.root / "renderD128"  # no such device: the VAAPI encode fails
    compressor = edge.compressor(encoder=Encoder(Accel.VAAPI, missing))
    path = edge.record(clip, 6)
    assert compressor.tick() == 1
    item = edge.journal.uploads.item(path)
    assert item is not None and item.profile == "cctv-h264"
    assert compressor.stats.encoder == "software" and compressor.stats.encoded == 1


def test_hardware_detection_on_this_machine_settles_on_a_working_encoder(
    edge: Edge, clip: Path
) -> None:
    compressor = edge.compressor()
    encoder = compressor.encoder  # a real trial of NVENC, QSV and VAAPI here
    path = edge.record(clip, 7)
    compressor.tick()
    item = edge.journal.uploads.item(path)
    assert item is not None and item.profile == "cctv-h264", compressor.stats.last_error
    assert compressor.stats.encoder == encoder.accel.value


def test_the_cpu_budget_holds(tmp_path: Path, clip: Path) -> None:
    """A 720p x264 'medium' encode would take both cores; held to half of one."""
    src = make_camera_clip(tmp_path / "big.mp4", 6, size="1280x720")
    out = tmp_path / "out.mp4"
    command = ["ffmpeg", "-v", "error", "-y", "-i", str(src), "-c:v", "libx264",
               "-preset", "medium", "-threads", "2", "-f", "mp4", str(out)]  # fmt: skip
    stats = CpuGovernor(0.5).run(command, timeout_s=300)
    assert stats.wall_s > 2  # long enough for the average to mean something
    assert stats.cores <= 0.5 * 1.1, stats
    assert stats.paused_s > 0.3 * stats.wall_s  # it really was held back
    assert out.stat().st_size > 0


def test_a_failing_encode_reports_its_error(tmp_path: Path) -> None:
    from footage.errors import MediaError

    with pytest.raises(MediaError, match="No such file"):
        CpuGovernor(1).run(["ffmpeg", "-v", "error", "-i", str(tmp_path / "none.mp4"),
                            "-f", "null", "-"], timeout_s=30)  # fmt: skip


def test_a_hung_encode_is_killed_at_its_timeout(tmp_path: Path) -> None:
    from footage.errors import MediaError

    started = time.monotonic()
    with pytest.raises(MediaError, match="timed out"):
        CpuGovernor(1).run(["sleep", "30"], timeout_s=1)
    assert time.monotonic() - started < 5
    assert subprocess.run(["pgrep", "-x", "-f", "sleep 30"], capture_output=True,
                          check=False).returncode == 1  # killed and reaped  # fmt: skip


def test_quota_drops_take_the_compressed_file_too(edge: Edge, clip: Path) -> None:
    path = edge.record(clip, 8)
    compressor = edge.compressor()
    compressor.tick()
    item = edge.journal.uploads.item(path)
    assert item is not None and item.upload_path is not None
    edge.spool.quota_bytes = 1
    assert edge.spool.enforce_quota(edge.clock.now()).dropped == 1
    assert not item.upload_path.exists()
    assert edge.journal.uploads.paths(SegmentState.DROPPED) == [path]


def test_the_link_takes_footage_as_recorded_only_when_that_is_sooner(
    tmp_path: Path, clip: Path
) -> None:
    edge = make_edge(tmp_path, config("adaptive"))
    older, newer = edge.record(clip, 10), edge.record(clip, 11)
    compressor = edge.compressor()
    controller = compressor.controllers["HO"]
    controller.level, controller.link_bps = 1, 1_000_000.0  # compressing; 1 MB/s link
    uploader = edge.uploader()
    compressor.stats.encode_s = 0.2  # two encodes ahead: 0.4 s, sending 1.6 MB: 1.6 s
    compressor.publish()  # the plan the uploader reads changed
    assert uploader.sends_as_recorded() == frozenset()
    assert uploader.tick() == 0  # the link waits: compressed footage arrives sooner
    compressor.stats.encode_s = 30.0  # a slow encoder: 60 s vs 1.6 s
    compressor.publish()
    assert uploader.sends_as_recorded() == {"lobby"}
    assert uploader.tick() == 1  # the one the compressor would reach last goes as it is
    item = edge.journal.uploads.item(older)
    assert item is not None and (item.state, item.profile) == (SegmentState.WAITING, None)
    assert edge.stored(11).read_bytes() == clip.read_bytes() and not newer.exists()
    controller.link_bps = None  # nothing measured: never guess, compress
    compressor.publish()
    assert uploader.sends_as_recorded() == frozenset()
    controller.backlog_s = 10 * compressor.settings.high_water_s  # far behind: always
    compressor.publish()
    assert uploader.sends_as_recorded() == {"lobby"}
