"""Evidence packages and ``vms verify`` on real footage (real ffmpeg, openssl, sha256sum).

One site (ho), one camera (lobby): three segments, an honest camera outage
(a gap record), a fourth segment; two signed manifests. An evidence export is
made through the export service; the package verifies offline in a subprocess
with nothing else (env cleared, HOME empty, no data dir, no config), and with
the README's own commands. Tampering with the package or with storage is caught
and the segment named.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.chain import RecordKind, append, gap_fields, genesis, segment_fields
from footage.clock import SystemClock
from footage.keys import build_export_key, build_manifest_key, build_segment_key, chain_object_name
from footage.manifest import PublicKey, build_manifest, key_id_of, public_raw, sign
from footage.media.ops import sha256_file
from footage.services.evidence_export import EvidenceSources, build_package
from footage.services.exports import ExportStatus, ExportStore, create_export, run_export
from footage.services.ingest import CameraPolicy, IngestContext, ingest_object
from footage.services.verify import verify_package
from footage.services.verify_checks import Report
from footage.services.verify_range import verify_range
from tests.support.media import make_clip

pytestmark = pytest.mark.integration
T0 = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
END = T0 + timedelta(seconds=32)
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
PUB = PublicKey(key_id_of(public_raw(KEY)), public_raw(KEY), T0 - timedelta(days=30))
SOURCES = EvidenceSources((PUB,), (30,))
#: (offset s, length s): three segments, the camera offline 14-24 s, one more
SEGMENTS = ((0, 4.0), (5, 4.2), (10, 3.8), (24, 4.4))
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Site:
    storage: FilesystemStorage
    catalog: SqliteCatalog
    keys: list[str]  # the segments' storage keys
    package: Path


def _record_everything(storage: FilesystemStorage, work: Path) -> list[str]:
    """Upload the segments and sign two manifests listing them (and the outage)."""
    keys, records = [], [genesis("ho", "lobby", T0, PUB.key_id)]
    for i, (offset, length) in enumerate(SEGMENTS):
        clip = make_clip(work / f"seg{i}.mp4", seconds=length, audio=True)
        start = T0 + timedelta(seconds=offset)
        key = build_segment_key("ho", "lobby", start, retention_days=30)
        storage.put_file(key, clip, {"sha256": sha256_file(clip)})
        keys.append(key)
        if i == 3:
            records.append(append(records[-1], RecordKind.GAP, gap_fields(
                T0 + timedelta(seconds=14), start, "unreachable")))  # fmt: skip
        records.append(append(records[-1], RecordKind.SEGMENT, segment_fields(
            start, start + timedelta(seconds=int(length)), sha256_file(clip),
            clip.stat().st_size, chain_object_name(key))))  # fmt: skip
    first = build_manifest("ho", 0, "0" * 64, PUB.key_id, T0 + timedelta(minutes=10), records[:3])
    second = build_manifest("ho", 1, first.hash, PUB.key_id, T0 + timedelta(minutes=20),
                            records[3:])  # fmt: skip
    for manifest in (first, second):
        body = manifest.canonical()
        name = build_manifest_key("ho", manifest.issued_at, retention_days=30)
        storage.put_bytes(name, body)
        storage.put_bytes(name.removesuffix(".json") + ".sig", sign(body, KEY))
    return keys


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    work = tmp_path_factory.mktemp("evidence")
    storage = FilesystemStorage(work / "nas", b"k" * 32)
    catalog = SqliteCatalog(work / "index.sqlite3")
    catalog.initialize()
    keys = _record_everything(storage, work)
    ctx = IngestContext(storage, catalog, SystemClock(),
                        {"lobby": CameraPolicy(30, thumbnails=False, site="ho")}, work)  # fmt: skip
    for key in keys:
        ingest_object(ctx, key)
    store = ExportStore(storage)
    now = T0 + timedelta(hours=1)
    job = create_export(store, catalog, "lobby", "ho", T0 + timedelta(seconds=2), END, "officer",
                        now, timezone="Asia/Jakarta", evidence=True)  # fmt: skip
    job = run_export(store, catalog, job.id, work / "tmp", lambda: now,
                     evidence=lambda _site: SOURCES)  # fmt: skip
    assert job.status is ExportStatus.DONE and job.package, job.error
    package = work / job.package
    storage.download(build_export_key(job.id, job.package), package)
    return Site(storage, catalog, keys, package)


def _codes(report: Report) -> list[tuple[str, str]]:
    return [(p.code, p.subject) for p in report.problems]


def test_the_package_verifies_and_is_deterministic(site: Site, tmp_path: Path) -> None:
    report = verify_package(site.package, {"ho": [PUB]})
    assert report.ok, _codes(report)
    assert [n.code for n in report.notes].count("honest_gap") == 1
    assert ("key_registered", PUB.key_id) in [(n.code, n.subject) for n in report.notes]
    assert report.counts["segments"] == 4 and report.counts["clip_packets"] > 100
    names = zipfile.ZipFile(site.package).namelist()
    assert names == sorted(names) and len([n for n in names if n.startswith("segments/")]) == 4
    stranger = PublicKey(PUB.key_id, bytes(32), PUB.not_before)
    assert _codes(verify_package(site.package, {"ho": [stranger]})) == [
        ("key_not_registered", PUB.key_id)]  # fmt: skip
    job_file = next(site.storage.root.glob("exports/*/job.json"))
    again = tmp_path / "again.zip"
    store = ExportStore(site.storage)
    job = store.load(job_file.parent.name)
    name = build_package(site.storage, site.catalog, job, SOURCES, tmp_path / "w",
                         job.finished_at or T0, lambda _n: None)  # fmt: skip
    site.storage.download(build_export_key(job.id, name), again)
    assert again.read_bytes() == site.package.read_bytes()


def test_vms_verify_needs_nothing_but_the_package(site: Site, tmp_path: Path) -> None:
    """A subprocess with the environment cleared: no data dir, no config, no
    network settings, an empty HOME, run from an empty folder."""
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "en_US.UTF-8"}
    vms = [sys.executable, "-c", "from edge_uploader.shell.cli import main; main()"]
    copy = shutil.copy(site.package, tmp_path / "evidence.zip")
    done = subprocess.run([*vms, "verify", str(copy)], cwd=tmp_path, env={**env, "PYTHONPATH":
                          str(ROOT)}, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "VERIFIED" in done.stdout and not list(tmp_path.glob("var"))
    indonesian = subprocess.run([*vms, "verify", str(copy), "--lang", "id"], cwd=tmp_path,
                                env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True,
                                text=True, timeout=120)  # fmt: skip
    assert indonesian.returncode == 0 and "TERVERIFIKASI" in indonesian.stdout


def test_the_readme_commands_verify_it(site: Site, tmp_path: Path) -> None:
    with zipfile.ZipFile(site.package) as package:
        package.extractall(tmp_path)
    readme = (tmp_path / "README-en.txt").read_text()
    done = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=30)  # fmt: skip
    assert done.returncode == 0 and done.stdout.count(": OK") >= 10, done.stdout
    commands = [shlex.split(line.split("#")[0]) for line in readme.splitlines()
                if line.strip().startswith(("openssl pkeyutl", "grep -l"))]  # fmt: skip
    assert len([c for c in commands if c[0] == "openssl"]) == 2
    assert len([c for c in commands if c[0] == "grep"]) == 4
    for command in commands:
        if command[0] == "grep":  # the shell would expand manifests/*.json
            command = command[:-1] + sorted(str(p) for p in tmp_path.glob("manifests/*.json"))
        run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=30)
        assert run.returncode == 0, (command, run.stdout, run.stderr)
        if command[0] == "openssl":
            assert "Signature Verified Successfully" in run.stdout
    bad = next(iter(tmp_path.glob("segments/*.mp4")))
    bad.write_bytes(bad.read_bytes()[:-1] + b"\x00")
    assert subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True,
                          timeout=30).returncode == 1  # fmt: skip


def _tampered(package: Path, out: Path, change: Callable[[dict[str, bytes]], None]) -> Path:
    """The package with ``change`` applied to its files, SHA256SUMS (and the
    statement's hashes) rewritten as a forger would."""
    with zipfile.ZipFile(package) as source:
        files = {n: source.read(n) for n in source.namelist()}
    change(files)
    statement = json.loads(files["statement.json"])
    statement["segments"] = [s for s in statement["segments"] if s["file"] in files]
    statement["segments"] += [{"file": n, "object": "segments/ho/lobby/2026/12/05/" + n[9:],
                               "start": "", "end": ""} for n in files
                              if n.startswith("segments/")
                              and n not in {s["file"] for s in statement["segments"]}]  # fmt: skip
    files["statement.json"] = json.dumps(statement).encode()
    sums = [f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in sorted(files.items())
            if n != "SHA256SUMS"]  # fmt: skip
    files["SHA256SUMS"] = "".join(sums).encode()
    with zipfile.ZipFile(out, "w") as target:
        for name, data in sorted(files.items()):
            target.writestr(name, data)
    return out


def _segments(files: dict[str, bytes]) -> list[str]:
    return sorted(n for n in files if n.startswith("segments/"))


def _flip(files: dict[str, bytes]) -> None:
    name = _segments(files)[1]
    data = bytearray(files[name])
    data[len(data) // 2] ^= 0x01
    files[name] = bytes(data)


def _delete(files: dict[str, bytes]) -> None:
    del files[_segments(files)[1]]


def _forge(files: dict[str, bytes]) -> None:
    files["segments/lobby_20261205T030013Z.mp4"] = files[_segments(files)[0]] + b"\x00"


def _swap(files: dict[str, bytes]) -> None:
    a, b = _segments(files)[:2]
    files[a], files[b] = files[b], files[a]


def _edit_manifest(files: dict[str, bytes]) -> None:
    name = sorted(n for n in files if n.endswith(".json") and n.startswith("manifests/"))[0]
    files[name] = (
        files[name].replace(b'"unreachable"', b'"no_frames"').replace(b'"first"', b'"new_box"')
    )


@pytest.mark.parametrize(("change", "code", "names_segment"), [
    (_flip, "segment_altered", True), (_delete, "segment_missing", True),
    (_forge, "segment_inserted", True), (_swap, "segment_reordered", True),
    (_edit_manifest, "bad_signature", False),
])  # fmt: skip
def test_a_tampered_package_fails_naming_what_broke(
    site: Site, tmp_path: Path, change: Callable[[dict[str, bytes]], None], code: str,
    names_segment: bool,
) -> None:  # fmt: skip
    report = verify_package(_tampered(site.package, tmp_path / "t.zip", change))
    assert code in [p.code for p in report.problems], _codes(report)
    if names_segment:
        assert all(p.subject.startswith("segments/ho/lobby/") for p in report.problems
                   if p.code == code)  # fmt: skip


def test_a_byte_flipped_without_fixing_the_sums_is_an_altered_file(
    site: Site, tmp_path: Path
) -> None:
    with zipfile.ZipFile(site.package) as source:
        files = {n: source.read(n) for n in source.namelist()}
    _flip(files)
    out = tmp_path / "t.zip"
    with zipfile.ZipFile(out, "w") as target:
        for name, data in files.items():
            target.writestr(name, data)
    assert ("file_altered", _segments(files)[1]) in _codes(verify_package(out))


def _range(storage: FilesystemStorage) -> Report:
    return verify_range(storage, SOURCES, "ho", "lobby", T0, END, T0.date())


@pytest.fixture
def copy_of(site: Site, tmp_path: Path) -> FilesystemStorage:
    shutil.copytree(site.storage.root, tmp_path / "nas")
    return FilesystemStorage(tmp_path / "nas", b"k" * 32)


def test_storage_verifies_clean_with_its_honest_gap(copy_of: FilesystemStorage) -> None:
    report = _range(copy_of)
    assert report.ok, _codes(report)
    assert [n.code for n in report.notes if n.code.startswith("honest")] == ["honest_gap"]
    assert report.counts["segments"] == 4


def test_storage_tampering_is_caught_naming_the_segment(
    site: Site, copy_of: FilesystemStorage
) -> None:
    root, names = copy_of.root, [chain_object_name(k) for k in site.keys]
    flipped = root / site.keys[0]
    data = bytearray(flipped.read_bytes())
    data[100] ^= 0x01
    flipped.chmod(0o644)
    flipped.write_bytes(bytes(data))
    (root / site.keys[1]).unlink()
    copy_of.put_bytes(build_segment_key("ho", "lobby", T0 + timedelta(seconds=20),
                                        retention_days=30), b"forged")  # fmt: skip
    a, b = root / site.keys[2], root / site.keys[3]
    first, second = a.read_bytes(), b.read_bytes()
    a.write_bytes(second)
    b.write_bytes(first)
    found = set(_codes(_range(copy_of)))
    forged = "segments/ho/lobby/2026/12/05/lobby_20261205T030020Z.mp4"
    assert {("segment_altered", names[0]), ("segment_missing", names[1]),
            ("segment_inserted", forged), ("segment_reordered", names[2]),
            ("segment_reordered", names[3])} <= found  # fmt: skip


def test_an_edited_manifest_in_storage_is_caught(copy_of: FilesystemStorage) -> None:
    manifest = next(copy_of.root.glob("manifests/**/*.json"))
    manifest.write_bytes(manifest.read_bytes().replace(b'"unreachable"', b'"no_frames"'))
    assert "bad_signature" in [p.code for p in _range(copy_of).problems]
