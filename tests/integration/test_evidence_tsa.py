"""``vms verify --tsa-ca``: an evidence package's RFC 3161 time-stamps checked
against a local TSA (tests/support/tsa.py), the tokens fetched as the edge does
(edge_uploader.chain.tsa.HttpTimestamper). Two segments of one camera, two
signed manifests: the first time-stamped, the second's token not come yet when
the package is made (a note, not a failure)."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from edge_uploader.chain.tsa import HttpTimestamper
from edge_uploader.shell.cli import app
from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.chain import RecordKind, append, genesis, segment_fields
from footage.clock import SystemClock
from footage.keys import build_export_key, build_manifest_key, build_segment_key, chain_object_name
from footage.manifest import PublicKey, build_manifest, key_id_of, public_raw, sign
from footage.media.ops import sha256_file
from footage.services.evidence_export import EvidenceSources
from footage.services.exports import ExportStatus, ExportStore, create_export, run_export
from footage.services.ingest import CameraPolicy, IngestContext, ingest_object
from footage.services.verify import verify_package
from footage.services.verify_checks import Report
from tests.support.media import make_clip
from tests.support.tsa import LocalTsa, local_tsa, make_pki

pytestmark = pytest.mark.integration
T0 = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(2, 34)))
PUB = PublicKey(key_id_of(public_raw(KEY)), public_raw(KEY), T0 - timedelta(days=1))


@dataclass(frozen=True)
class Stamped:
    package: Path
    ca: Path  # the TSA's CA certificate
    other_ca: Path  # another CA's: the tokens do not chain to it
    stamped_manifest: str  # the package's name of the time-stamped manifest


def _record(storage: FilesystemStorage, work: Path, tsa: LocalTsa) -> list[str]:
    """Two 4 s segments; manifest 0 lists the first (time-stamped), manifest 1 the second."""
    keys, records = [], [genesis("ho", "lobby", T0, PUB.key_id)]
    for i in range(2):
        clip = make_clip(work / f"seg{i}.mp4", seconds=4)
        start = T0 + timedelta(seconds=5 * i)
        key = build_segment_key("ho", "lobby", start, retention_days=30)
        storage.put_file(key, clip, {"sha256": sha256_file(clip)})
        keys.append(key)
        records.append(append(records[-1], RecordKind.SEGMENT, segment_fields(
            start, start + timedelta(seconds=4), sha256_file(clip), clip.stat().st_size,
            chain_object_name(key))))  # fmt: skip
    first = build_manifest("ho", 0, "0" * 64, PUB.key_id, T0 + timedelta(minutes=10), records[:2])
    second = build_manifest("ho", 1, first.hash, PUB.key_id, T0 + timedelta(minutes=20),
                            records[2:])  # fmt: skip
    for manifest in (first, second):
        body = manifest.canonical()
        name = build_manifest_key("ho", manifest.issued_at, retention_days=30)
        storage.put_bytes(name, body)
        storage.put_bytes(name.removesuffix(".json") + ".sig", sign(body, KEY))
        if manifest is first:  # the edge's own request, answered by the local TSA
            token = HttpTimestamper(tsa.url, work / "tsa-work")(body)
            storage.put_bytes(name.removesuffix(".json") + ".tsr", token)
    return keys


@pytest.fixture(scope="module")
def stamped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stamped]:
    work = tmp_path_factory.mktemp("evidence-tsa")
    storage = FilesystemStorage(work / "nas", b"t" * 32)
    catalog = SqliteCatalog(work / "index.sqlite3")
    catalog.initialize()
    with local_tsa(work / "tsa") as tsa:
        keys = _record(storage, work, tsa)
    make_pki(work / "other")
    ctx = IngestContext(storage, catalog, SystemClock(),
                        {"lobby": CameraPolicy(30, thumbnails=False, site="ho")}, work)  # fmt: skip
    for key in keys:
        ingest_object(ctx, key)
    store, now = ExportStore(storage), T0 + timedelta(hours=1)
    job = create_export(store, catalog, "lobby", "ho", T0, T0 + timedelta(seconds=9), "officer",
                        now, timezone="Asia/Jakarta", evidence=True)  # fmt: skip
    job = run_export(store, catalog, job.id, work / "tmp", lambda: now,
                     evidence=lambda _site: EvidenceSources((PUB,), (30,)))  # fmt: skip
    assert job.status is ExportStatus.DONE and job.package, job.error
    package = work / job.package
    storage.download(build_export_key(job.id, job.package), package)
    catalog.close()
    name = "manifests/" + build_manifest_key("ho", T0 + timedelta(minutes=10),
                                             retention_days=30).rsplit("/", 1)[1]  # fmt: skip
    yield Stamped(package, work / "tsa" / "ca.pem", work / "other" / "ca.pem", name)


def _notes(report: Report) -> list[tuple[str, str]]:
    return [(n.code, n.subject) for n in report.notes]


def test_the_time_stamps_verify_with_the_tsas_ca_and_not_with_another(stamped: Stamped) -> None:
    listed = verify_package(stamped.package)  # no CA: the token is only listed
    assert listed.ok and "timestamps" not in listed.counts
    assert [c for c, _ in _notes(listed)].count("timestamp_token") == 1

    checked = verify_package(stamped.package, tsa_ca=stamped.ca.read_bytes())
    assert checked.ok, checked.problems
    assert checked.counts["timestamps"] == 1
    verified = [n for n in checked.notes if n.code == "timestamp_verified"]
    assert [n.subject for n in verified] == [stamped.stamped_manifest]
    assert "cctv-vms test TSA" in verified[0].detail
    assert [c for c, _ in _notes(checked)].count("timestamp_absent") == 1  # the second manifest

    foreign = verify_package(stamped.package, tsa_ca=stamped.other_ca.read_bytes())
    assert [p.code for p in foreign.problems] == ["timestamp_invalid"]
    assert foreign.problems[0].subject == stamped.stamped_manifest.replace(".json", ".tsr")


def test_vms_verify_tsa_ca(stamped: Stamped, tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["verify", str(stamped.package), "--lang", "en", "--tsa-ca"]
    good = runner.invoke(app, [*args, str(stamped.ca)])
    assert good.exit_code == 0, good.output
    assert "The RFC 3161 time-stamp of manifest manifests/" in good.output
    assert good.output.splitlines()[-1].startswith("VERIFIED")
    bad = runner.invoke(app, [*args, str(stamped.other_ca)])
    assert bad.exit_code == 1 and "does NOT verify" in bad.output, bad.output
    not_pem = tmp_path / "ca.txt"
    not_pem.write_text("not a certificate")
    for wrong in (not_pem, tmp_path / "absent.pem"):
        refused = runner.invoke(app, [*args, str(wrong)])
        assert refused.exit_code == 2 and "--tsa-ca" in refused.output, refused.output
    ranged = runner.invoke(app, ["verify", "--range", "lobby", "2026-12-05T03:00:00Z",
                                 "2026-12-05T03:01:00Z", "--tsa-ca", str(stamped.ca)])  # fmt: skip
    assert ranged.exit_code == 2 and "--tsa-ca" in ranged.output, ranged.output


def test_the_readme_says_how_to_check_each_time_stamp_with_openssl(
    stamped: Stamped, tmp_path: Path
) -> None:
    """The English README's step 5, run as written in the unpacked package with
    the TSA's CA saved as tsa-ca.pem: every command prints Verification: OK."""
    with zipfile.ZipFile(stamped.package) as package:
        package.extractall(tmp_path)
    shutil.copy(stamped.ca, tmp_path / "tsa-ca.pem")
    readme = (tmp_path / "README-en.txt").read_text()
    commands = [line.strip() for line in readme.splitlines()
                if line.strip().startswith("openssl ts -verify")]  # fmt: skip
    assert len(commands) == 1 and stamped.stamped_manifest in commands[0], readme
    assert f"vms verify {stamped.package.name} --tsa-ca tsa-ca.pem" in readme
    done = subprocess.run(shlex.split(commands[0]), cwd=tmp_path, capture_output=True,
                          text=True, timeout=30, check=False)  # fmt: skip
    assert done.returncode == 0 and "Verification: OK" in done.stdout, done.stderr
    assert "openssl ts -verify" in (tmp_path / "README-id.txt").read_text()
