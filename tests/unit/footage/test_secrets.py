"""Installation keys: at least 32 bytes, private files, written whole, never replaced."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from footage.errors import ConfigError
from footage.secrets import TOKEN_KEY, installation_key, load_or_create_key


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_a_missing_key_is_made_once_private_and_kept(tmp_path):
    path = tmp_path / "secrets" / "live-HO.key"
    key = load_or_create_key(path, None, "VMS_LIVE_KEY_HO")
    assert len(key) == 32 and path.read_text() == key.hex()
    assert _mode(path) == 0o600 and _mode(path.parent) == 0o700
    assert load_or_create_key(path, None, "VMS_LIVE_KEY_HO") == key
    assert sorted(p.name for p in path.parent.iterdir()) == ["live-HO.key"]  # no temp left


def test_processes_racing_to_make_a_key_all_get_the_same_whole_key(tmp_path):
    path = tmp_path / "secrets" / "api-token.key"
    keys: list[bytes] = []
    gate = threading.Barrier(8)

    def make() -> None:
        gate.wait()
        keys.append(load_or_create_key(path, None, "VMS_TOKEN_KEY"))

    threads = [threading.Thread(target=make) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8 and len(set(keys)) == 1 and len(keys[0]) == 32


@pytest.mark.parametrize(("value", "problem"), [
    ("", "at least 32 bytes"), ("ab" * 31, "at least 32 bytes"), ("xyz", "not hex"),
])  # fmt: skip
def test_a_bad_key_in_the_environment_is_refused_by_name(tmp_path, value, problem):
    with pytest.raises(ConfigError, match=problem) as refused:
        installation_key(tmp_path, TOKEN_KEY, {"VMS_TOKEN_KEY": value})
    assert "VMS_TOKEN_KEY" in str(refused.value)
    assert not value or value not in str(refused.value)  # the key is never echoed
    assert not (tmp_path / "secrets" / "api-token.key").exists()  # no file made instead


def test_a_good_key_in_the_environment_is_used_as_is(tmp_path):
    assert installation_key(tmp_path, TOKEN_KEY, {"VMS_TOKEN_KEY": "0f" * 40}) == b"\x0f" * 40


@pytest.mark.parametrize("content", ["", "  \n", "ab" * 31, "not a key"])
def test_a_bad_key_file_is_refused_by_path_and_left_alone(tmp_path, content):
    path = tmp_path / "secrets" / "api-token.key"
    path.parent.mkdir()
    path.write_text(content)
    with pytest.raises(ConfigError, match=r"api-token\.key") as refused:
        installation_key(tmp_path, TOKEN_KEY, {})
    assert "delete it" in str(refused.value)
    assert path.read_text() == content


def test_loose_modes_an_older_version_left_are_tightened(tmp_path):
    folder = tmp_path / "secrets"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    (folder / "api-token.key").write_text("ab" * 32)
    os.chmod(folder / "api-token.key", 0o644)
    assert installation_key(tmp_path, TOKEN_KEY, {}) == b"\xab" * 32
    assert _mode(folder) == 0o700 and _mode(folder / "api-token.key") == 0o600
