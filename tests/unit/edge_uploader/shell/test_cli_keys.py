"""`vms keys init|show` through the real CLI, and a rotation picked up by a running
uploader's manifests: old manifests still verify under the old key's window."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from typer.testing import CliRunner, Result

from edge_uploader.chain import ManifestPolicy, Manifests
from edge_uploader.chain.keys import ROTATE_GRACE, history, init_key, load
from edge_uploader.journal import Journal
from edge_uploader.shell.cli import app
from footage.adapters.filesystem import FilesystemStorage
from footage.chain import RecordKind, gap_fields
from footage.clock import FixedClock
from footage.config import SigningKey
from footage.manifest import PublicKey, public_from_b64, verify_signature

CONFIG = """\
sites: [{id: HO, name: Kantor Pusat}, {id: CABANG-01, name: Cabang 01}]
cameras:
  - {id: lobby, site: HO, name: Lobby, rtsp_url: "rtsp://10.0.0.5/ch1"}
  - {id: gate, site: CABANG-01, name: Gate, rtsp_url: "rtsp://10.0.1.5/ch1"}
"""
T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def _vms(tmp_path: Path, *args: str) -> Result:
    (tmp_path / "config.yaml").write_text(CONFIG)
    return CliRunner().invoke(app, [*args, "--data-dir", str(tmp_path)])


def _pasted(output: str) -> list[SigningKey]:
    """What an admin pastes: the YAML of one site, read as the config reads it."""
    return [SigningKey.model_validate(k) for k in yaml.safe_load(output)["signing_keys"]]


def test_init_makes_each_sites_key_once_and_show_prints_what_the_config_takes(
    tmp_path: Path,
) -> None:
    made = _vms(tmp_path, "keys", "init")
    assert made.exit_code == 0, made.output
    assert "CABANG-01: made ed25519-" in made.output and "HO: made ed25519-" in made.output
    key = load(tmp_path, "HO")
    assert key is not None
    assert stat.S_IMODE((tmp_path / "keys" / "HO.ed25519.pem").stat().st_mode) == 0o600
    again = _vms(tmp_path, "keys", "init", "--site", "HO")
    assert again.exit_code == 0 and f"HO: kept {key.key_id}" in again.output
    kept = load(tmp_path, "HO")
    assert kept is not None and kept.private.private_bytes_raw() == key.private.private_bytes_raw()

    shown = _vms(tmp_path, "keys", "show", "--site", "HO")
    assert shown.exit_code == 0, shown.output
    (entry,) = _pasted(shown.output)
    assert entry.id == key.key_id and entry.not_after is None
    assert public_from_b64(entry.public_key) == key.private.public_key().public_bytes_raw()
    assert "PRIVATE" not in shown.output
    unknown = _vms(tmp_path, "keys", "show", "--site", "NOWHERE")
    assert unknown.exit_code == 2 and "no camera of the config" in unknown.output


def test_rotate_appends_rekey_records_and_keeps_the_old_keys_window(tmp_path: Path) -> None:
    assert _vms(tmp_path, "keys", "init", "--site", "HO").exit_code == 0
    old = load(tmp_path, "HO")
    assert old is not None
    journal = Journal(tmp_path / "spool" / "journal.sqlite3")
    journal.initialize()
    journal.chain.register_key("HO", old.key_id, ["lobby"], T0)
    journal.chain.append("HO", "lobby", RecordKind.GAP, gap_fields(T0, T0, "unreachable"),
                         "gap:t", T0)  # fmt: skip

    rotated = _vms(tmp_path, "keys", "init", "--site", "HO", "--rotate")
    assert rotated.exit_code == 0, rotated.output
    new = load(tmp_path, "HO")
    assert new is not None and new.key_id != old.key_id
    assert f"rotated {old.key_id} -> {new.key_id} (1 rekey records)" in rotated.output
    rekey = journal.chain.records("HO", "lobby")[-1]
    assert rekey.kind is RecordKind.REKEY and rekey.fields["key_id"] == new.key_id
    before, after = _pasted(_vms(tmp_path, "keys", "show", "--site", "HO").output)
    assert (before.id, after.id) == (old.key_id, new.key_id)
    assert before.not_after is not None and after.not_after is None
    assert before.not_after - after.not_before == ROTATE_GRACE


def test_a_running_uploader_signs_with_the_rotated_key(tmp_path: Path) -> None:
    clock = FixedClock(T0)
    change = init_key(tmp_path, "HO", clock.now())
    journal = Journal(tmp_path / "spool" / "journal.sqlite3")
    journal.initialize()
    storage = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    manifests = Manifests(journal, storage, clock, {"HO": change.key},
                          ManifestPolicy({"HO": 30}, {"HO": ["lobby"]}), tmp_path / "work",
                          data_dir=tmp_path)  # fmt: skip
    for minute in (0, 20):
        at = T0 + timedelta(minutes=minute)
        clock.advance(minutes=20 if minute else 0)
        journal.chain.append("HO", "lobby", RecordKind.GAP, gap_fields(at, at, "unreachable"),
                             f"gap:{minute}", at)  # fmt: skip
        manifests.tick()
        if not minute:
            init_key(tmp_path, "HO", clock.now(), rotate_key=True)

    first, second = journal.chain.manifests("HO")
    assert first.key_id == change.key.key_id and second.key_id != first.key_id
    assert [r.kind for r in second.cameras["lobby"]] == [RecordKind.GAP, RecordKind.REKEY]
    keys = history(tmp_path, "HO")
    for manifest in (first, second):
        sig = next(o.key for o in storage.list("manifests/") if o.key.endswith(".sig")
                   and manifest.issued_at.strftime("%Y%m%dT%H%M%S") in o.key)  # fmt: skip
        verify_signature(manifest.canonical(), storage.read_range(sig), keys)
    assert all(isinstance(k, PublicKey) for k in keys)
