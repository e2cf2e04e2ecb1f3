"""Site manifests: canonical bytes, Ed25519 signatures (checked by openssl too), key
validity windows, and the manifest chain."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from footage.chain import RecordKind, append, gap_fields, genesis, segment_fields
from footage.chain_verify import Anchor, verify_chain
from footage.errors import ChainFormatError
from footage.manifest import (
    PublicKey,
    build_manifest,
    key_id_of,
    manifest_chain_breaks,
    parse_manifest,
    public_b64,
    public_from_b64,
    public_pem,
    public_raw,
    sign,
    verify_signature,
)

T0 = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
RAW = public_raw(KEY)
PUB = PublicKey(key_id_of(RAW), RAW, T0 - timedelta(days=1))


def _records():
    lobby = [genesis("ho", "lobby", T0, PUB.key_id)]
    lobby.append(append(lobby[-1], RecordKind.SEGMENT, segment_fields(
        T0, T0 + timedelta(minutes=1), "a" * 64, 10,
        "segments/ho/lobby/2026/12/05/lobby_20261205T100000Z.mp4")))  # fmt: skip
    gate = [genesis("ho", "gate", T0, PUB.key_id)]
    gate.append(append(gate[-1], RecordKind.GAP, gap_fields(T0, T0 + timedelta(minutes=2),
                                                            "unreachable")))  # fmt: skip
    return lobby + gate


def _manifest(seq: int = 0, prev: str = "0" * 64, at: datetime = T0 + timedelta(minutes=10)):
    return build_manifest("ho", seq, prev, PUB.key_id, at, _records())


def test_manifest_round_trips_and_gives_the_signed_heads() -> None:
    manifest = _manifest()
    data = manifest.canonical()
    assert parse_manifest(data) == manifest
    assert [c["camera"] for c in __import__("json").loads(data)["cameras"]] == ["gate", "lobby"]
    anchors = manifest.anchors()
    assert Anchor("lobby", 1, manifest.cameras["lobby"][-1].hash) in anchors
    assert verify_chain(list(manifest.cameras["lobby"]), anchors) == []


def test_signature_verifies_and_an_edited_manifest_does_not() -> None:
    data = _manifest().canonical()
    signature = sign(data, KEY)
    assert verify_signature(data, signature, [PUB]).seq == 0
    edited = data.replace(b'"size":10', b'"size":11')
    with pytest.raises(ChainFormatError, match="bad signature"):
        verify_signature(edited, signature, [PUB])
    spaced = data.replace(b'"seq":0', b'"seq": 0')  # same JSON, other bytes, signed as such
    with pytest.raises(ChainFormatError, match="not canonical"):
        verify_signature(spaced, sign(spaced, KEY), [PUB])


def test_keys_rotate_by_validity_window() -> None:
    new_key = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    rotated = T0 + timedelta(minutes=5)
    old = PublicKey(PUB.key_id, RAW, T0 - timedelta(days=1), rotated)
    new_raw = public_raw(new_key)
    new = PublicKey(key_id_of(new_raw), new_raw, rotated)
    before = build_manifest("ho", 0, "0" * 64, old.key_id, T0, _records()).canonical()
    assert verify_signature(before, sign(before, KEY), [old, new]).key_id == old.key_id
    late = _manifest().canonical()  # issued after the rotation with the old key
    with pytest.raises(ChainFormatError, match="not valid"):
        verify_signature(late, sign(late, KEY), [old, new])
    with pytest.raises(ChainFormatError, match="unknown key"):
        verify_signature(late, sign(late, KEY), [new])


def test_manifest_chain_breaks_name_missing_and_foreign_manifests() -> None:
    first = _manifest()
    second = _manifest(1, first.hash, T0 + timedelta(minutes=20))
    third = _manifest(2, second.hash, T0 + timedelta(minutes=30))
    assert manifest_chain_breaks([first, second, third]) == []
    assert manifest_chain_breaks([first, third]) == ["manifests seq 1..1 missing"]
    stray = _manifest(1, "1" * 64, T0 + timedelta(minutes=20))
    assert manifest_chain_breaks([first, stray]) == ["manifest seq 1 does not follow seq 0"]


def test_records_of_another_site_are_refused() -> None:
    other = genesis("branch", "lobby", T0, PUB.key_id)
    with pytest.raises(ChainFormatError, match="site"):
        build_manifest("ho", 0, "0" * 64, PUB.key_id, T0, [other])


def test_public_key_text_round_trips() -> None:
    assert public_from_b64(public_b64(RAW)) == RAW
    with pytest.raises(ChainFormatError):
        public_from_b64(public_b64(RAW[:31]))


def test_openssl_verifies_the_detached_signature(tmp_path: Path) -> None:
    """The command the README gives (OpenSSL 3, Debian 12) accepts the pair and
    refuses an edited manifest."""
    data = _manifest().canonical()
    (tmp_path / "m.json").write_bytes(data)
    (tmp_path / "m.sig").write_bytes(sign(data, KEY))
    (tmp_path / "site.pub").write_bytes(public_pem(RAW))
    command = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "site.pub", "-rawin",
               "-in", "m.json", "-sigfile", "m.sig"]  # fmt: skip
    ok = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=20)
    assert ok.returncode == 0, ok.stderr
    assert "Signature Verified Successfully" in ok.stdout
    (tmp_path / "m.json").write_bytes(data.replace(b'"size":10', b'"size":11'))
    bad = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=20)
    assert bad.returncode != 0


def test_config_signing_keys_become_verifier_keys() -> None:
    from footage.config import SigningKey
    from footage.manifest import verifier_keys

    old = SigningKey(id="old", public_key=public_b64(bytes(32)), not_before=T0 - timedelta(days=9),
                     not_after=T0 - timedelta(days=1))  # fmt: skip
    new = SigningKey(id=PUB.key_id, public_key=public_b64(RAW), not_before=PUB.not_before)
    keys = verifier_keys([old, new])
    assert keys == [PublicKey("old", bytes(32), old.not_before, old.not_after), PUB]
    data = _manifest().canonical()
    assert verify_signature(data, sign(data, KEY), keys).seq == 0
    with pytest.raises(ChainFormatError, match="unknown key"):
        verify_signature(data, sign(data, KEY), keys[:1])


LOBBY_KEY = "segments/retention=180/ho/lobby/2026/12/05/lobby_20261205T100000Z.mp4"


def _indexed(entries):
    return build_manifest("ho", 0, "0" * 64, PUB.key_id, T0 + timedelta(minutes=10), _records(),
                          entries)  # fmt: skip


def test_the_index_says_where_each_segment_went_and_is_signed_with_the_records() -> None:
    from footage.manifest import Stored

    entry = Stored("lobby", 1, LOBBY_KEY, {"described": "1", "codec": "h264"})
    manifest = _indexed([entry])
    data = manifest.canonical()
    assert parse_manifest(data).index == (entry,)
    assert __import__("json").loads(data)["index"] == [
        {"camera": "lobby", "seq": 1, "key": LOBBY_KEY,
         "described": {"codec": "h264", "described": "1"}}
    ]  # fmt: skip
    assert verify_signature(data, sign(data, KEY), [PUB]).index == (entry,)
    # an entry dropped or edited after signing is a bad signature
    bare = _manifest().canonical()
    assert b'"index"' not in bare  # no index: the bytes of before
    with pytest.raises(ChainFormatError, match="bad signature"):
        verify_signature(bare, sign(data, KEY), [PUB])


@pytest.mark.parametrize(
    ("camera", "seq", "key", "error"),
    [
        ("gate", 1, LOBBY_KEY, "no such segment record"),  # a gap record
        ("lobby", 0, LOBBY_KEY, "no such segment record"),  # the genesis
        ("lobby", 1, LOBBY_KEY.replace("/ho/", "/cabang01/"), "another camera"),
        ("lobby", 1, LOBBY_KEY.replace("100000Z", "100100Z"), "not its record's object"),
        ("lobby", 1, "thumbnails/retention=180/ho/lobby/2026/12/05/lobby_20261205T100000Z.jpg",
         "chain records name segments only"),
        ("lobby", 1, "segments/../../x", "index entry lobby/1"),
    ],
)  # fmt: skip
def test_an_index_entry_must_name_a_segment_record_of_the_manifest_and_its_key(
    camera: str, seq: int, key: str, error: str
) -> None:
    from footage.manifest import Stored

    with pytest.raises(ChainFormatError, match=error):
        _indexed([Stored(camera, seq, key)])


def test_an_index_names_each_record_once_and_describes_with_strings_only() -> None:
    from footage.manifest import Stored

    with pytest.raises(ChainFormatError, match="twice"):
        _indexed([Stored("lobby", 1, LOBBY_KEY), Stored("lobby", 1, LOBBY_KEY)])
    import json

    from footage.chain import canonical_json

    obj = json.loads(_indexed([Stored("lobby", 1, LOBBY_KEY)]).canonical())
    obj["index"][0]["described"] = {"size": 10}
    with pytest.raises(ChainFormatError, match="names and values"):
        parse_manifest(canonical_json(obj))
    obj["index"][0] = {"camera": "lobby", "seq": "1", "key": LOBBY_KEY}
    with pytest.raises(ChainFormatError, match="camera, seq and key"):
        parse_manifest(canonical_json(obj))
