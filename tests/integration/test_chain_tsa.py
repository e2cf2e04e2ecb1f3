"""RFC 3161 time-stamps on the edge's manifests, against a local TSA (openssl ts):
the token is stored beside its manifest and verifies with openssl and with
footage.timestamp; an edited manifest does not; a dead or slow TSA holds no tick
and loses no manifest (the token comes on a later tick)."""

from __future__ import annotations

import logging
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge_uploader.chain import ManifestPolicy, Manifests, load_or_create
from edge_uploader.chain.tsa import HttpTimestamper, reply_status
from edge_uploader.harness.ports import free_port
from edge_uploader.journal import Journal
from edge_uploader.journal.chain import TSR_WANTED
from footage.adapters.filesystem import FilesystemStorage
from footage.chain import RecordKind, gap_fields
from footage.clock import FixedClock
from footage.timestamp import verify_timestamp
from tests.support.servers import LOOPBACK
from tests.support.tsa import LocalTsa, local_tsa

T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTsa]:
    with local_tsa(tmp_path_factory.mktemp("tsa")) as server:
        yield server


def _edge(
    tmp_path: Path, url: str, timeout_s: float = 5
) -> tuple[Manifests, FilesystemStorage, HttpTimestamper]:
    clock = FixedClock(T0)
    journal = Journal(tmp_path / "spool" / "journal.sqlite3")
    journal.initialize()
    storage = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    key, _ = load_or_create(tmp_path / "data", "HO")
    work = tmp_path / "spool" / "manifests"
    stamper = HttpTimestamper(url, work, timeout_s=timeout_s)
    manifests = Manifests(journal, storage, clock, {"HO": key}, ManifestPolicy({"HO": 30}),
                          work, stamper)  # fmt: skip
    fields = gap_fields(T0 - timedelta(minutes=4), T0 - timedelta(minutes=2), "unreachable")
    journal.chain.append("HO", "lobby", RecordKind.GAP, fields, "gap:test", T0)
    return manifests, storage, stamper


def _objects(storage: FilesystemStorage) -> dict[str, bytes]:
    return {o.key.rsplit(".", 1)[1]: storage.read_range(o.key) for o in storage.list("manifests/")}


def _tick_until_stamped(manifests: Manifests, storage: FilesystemStorage) -> None:
    """The token is fetched in the background: tick until it is stored."""
    deadline = time.monotonic() + 10
    while "tsr" not in _objects(storage):
        assert time.monotonic() < deadline, "the token never came"
        manifests.tick()
        time.sleep(0.05)
    assert manifests.journal.chain.pending(T0 + timedelta(days=1)) == []  # nothing left to do


def _openssl_verify(folder: Path, data: bytes, tsr: bytes, tsa: LocalTsa) -> int:
    (folder / "manifest.json").write_bytes(data)
    (folder / "manifest.tsr").write_bytes(tsr)
    command = ["openssl", "ts", "-verify", "-data", str(folder / "manifest.json"),
               "-in", str(folder / "manifest.tsr"), "-CAfile", str(tsa.folder / "ca.pem"),
               "-untrusted", str(tsa.folder / "tsa.pem")]  # fmt: skip
    return subprocess.run(command, capture_output=True, timeout=20, check=False).returncode


def test_a_manifest_gets_a_token_that_openssl_and_the_verifier_accept(
    tmp_path: Path, tsa: LocalTsa
) -> None:
    manifests, storage, _ = _edge(tmp_path, tsa.url)
    _tick_until_stamped(manifests, storage)

    stored = _objects(storage)
    assert sorted(stored) == ["json", "sig", "tsr"]
    assert reply_status(stored["tsr"]) == 0
    assert _openssl_verify(tmp_path, stored["json"], stored["tsr"], tsa) == 0
    check = verify_timestamp(stored["json"], stored["tsr"], tsa.ca_pem)
    assert check.ok, check.reason
    assert check.time is not None and abs(check.time - datetime.now(UTC)) < timedelta(minutes=5)
    assert "cctv-vms test TSA" in check.tsa

    edited = stored["json"].replace(b'"unreachable"', b'"no_frames"')
    assert _openssl_verify(tmp_path, edited, stored["tsr"], tsa) != 0
    refused = verify_timestamp(edited, stored["tsr"], tsa.ca_pem)
    assert not refused.ok and "does not verify" in refused.reason
    other_ca = (tmp_path / "data" / "keys" / "HO.ed25519.pem").read_bytes()  # not a CA at all
    assert not verify_timestamp(stored["json"], stored["tsr"], other_ca).ok
    assert not verify_timestamp(stored["json"], b"", tsa.ca_pem).ok


def test_a_dead_tsa_loses_no_manifest_and_the_token_comes_later(
    tmp_path: Path, tsa: LocalTsa, caplog: pytest.LogCaptureFixture
) -> None:
    manifests, storage, stamper = _edge(tmp_path, f"http://{LOOPBACK}:{free_port()}/tsa")
    caplog.set_level(logging.WARNING)
    deadline = time.monotonic() + 10
    while "time-stamp failed" not in caplog.text and time.monotonic() < deadline:
        manifests.tick()
        time.sleep(0.05)
    assert sorted(_objects(storage)) == ["json", "sig"]  # sent without its token
    assert "time-stamp failed (manifest kept, retried)" in caplog.text
    assert manifests.journal.chain.pending(T0) == []  # waits for its retry time
    (waiting,) = manifests.journal.chain.pending(T0 + timedelta(minutes=2))
    assert waiting.tsr_state == TSR_WANTED and waiting.attempts == 1

    manifests.clock.advance(minutes=2)  # type: ignore[attr-defined]
    stamper.url = tsa.url  # the TSA is back
    _tick_until_stamped(manifests, storage)
    stored = _objects(storage)
    assert verify_timestamp(stored["json"], stored["tsr"], tsa.ca_pem).ok


def test_a_slow_tsa_never_holds_a_tick(tmp_path: Path, tsa: LocalTsa) -> None:
    tsa.delay_s = 2.0
    try:
        manifests, storage, _ = _edge(tmp_path, tsa.url, timeout_s=1)
        began = time.monotonic()
        for _ in range(5):
            manifests.tick()
        assert time.monotonic() - began < 0.5  # the token is being fetched meanwhile
        assert sorted(_objects(storage)) == ["json", "sig"]
    finally:
        time.sleep(2.1)  # the server's sleeping handler, before the next test
        tsa.delay_s = 0.0
