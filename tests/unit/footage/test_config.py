"""The YAML configuration: validation, field paths in errors, env overrides, secrets."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from edge_uploader.shell.cli import app
from footage.config import AudioPolicy, Config, FilesystemStorage, S3Storage, SqliteIndex
from footage.config_loader import load_config, parse_config, rtsp_password
from footage.errors import ConfigError
from footage.manifest import MANIFEST_EVERY_S

VALID: dict[str, Any] = {
    "sites": [
        {"id": "HO", "name": "Head office"},
        {"id": "CABANG-01", "name": "Cabang Bandung", "timezone": "Asia/Makassar"},
    ],
    "cameras": [
        {"id": "lobby", "site": "HO", "name": "Lobby", "rtsp_url": "rtsp://10.0.0.5:554/main"},
        {
            "id": "gate_2",
            "site": "CABANG-01",
            "name": "Gate 2",
            "rtsp_url": "rtsps://cam.local/Streaming/Channels/101",
            "username": "viewer",
            "password_env": "GATE2_PASSWORD",
            "retention_days": 30,
            "segment_seconds": 300,
            "audio": "drop",
        },
    ],
}


def raw(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    data.update(changes)
    return data


def camera(**changes: Any) -> dict[str, Any]:
    cam: dict[str, Any] = {"id": "cam1", "site": "HO", "name": "C", "rtsp_url": "rtsp://h/s"}
    cam.update(changes)
    return cam


def errors_of(data: dict[str, Any], environ: dict[str, str] | None = None) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(data, environ={} if environ is None else environ)
    return dict(caught.value.errors)


def test_valid_config_parses() -> None:
    config = parse_config(raw(), environ={})
    assert [s.id for s in config.sites] == ["HO", "CABANG-01"]
    gate = config.camera("gate_2")
    assert gate is not None
    assert (gate.retention_days, gate.segment_seconds, gate.audio) == (30, 300, AudioPolicy.DROP)
    assert config.site("CABANG-01").zone.key == "Asia/Makassar"
    assert config.camera("nope") is None


def test_defaults() -> None:
    config = parse_config(raw(), environ={})
    lobby = config.camera("lobby")
    assert lobby is not None
    assert lobby.retention_days == 180
    assert lobby.segment_seconds == 60
    assert lobby.audio is AudioPolicy.AAC
    assert lobby.ingest_profile == "copy"
    assert config.site("HO").timezone == "Asia/Jakarta"
    assert isinstance(config.storage, FilesystemStorage)
    assert isinstance(config.index, SqliteIndex)


def test_manifest_interval_defaults_to_the_chains_and_is_bounded() -> None:
    assert parse_config(raw(), environ={}).uploader.manifest_interval_s == MANIFEST_EVERY_S
    short = parse_config(raw(uploader={"manifest_interval_s": 15}), environ={})
    assert short.uploader.manifest_interval_s == 15
    for seconds in (0, 4, 3601):
        errors = errors_of(raw(uploader={"manifest_interval_s": seconds}))
        assert "uploader.manifest_interval_s" in errors


def test_ingest_memory_is_small_unless_a_camera_re_encodes_at_ingest() -> None:
    """A described segment waits on a HEAD and a write: 512 MB; re-encoding needs a vCPU."""
    assert parse_config(raw(), environ={}).ingest_memory_mb == 512
    reencode = raw(cameras=[camera(), camera(id="cam2", ingest_profile="h264-balanced")])
    assert parse_config(reencode, environ={}).ingest_memory_mb == 1769
    fixed = raw(cameras=[camera(ingest_profile="h264-balanced")], aws={"ingest_memory_mb": 1024})
    assert parse_config(fixed, environ={}).ingest_memory_mb == 1024
    assert "aws.ingest_memory_mb" in errors_of(raw(aws={"ingest_memory_mb": 256}))


@pytest.mark.parametrize("seconds", [5, 9, 301])
def test_segment_seconds_out_of_bounds(seconds: int) -> None:
    errors = errors_of(raw(cameras=[camera(segment_seconds=seconds)]))
    assert "cameras[0].segment_seconds" in errors


def test_extra_field_reported_with_its_path() -> None:
    errors = errors_of(raw(cameras=[camera(bogus=1)]))
    assert "cameras[0].bogus" in errors
    assert "not permitted" in errors["cameras[0].bogus"]


def test_extra_field_under_a_discriminated_union_has_no_tag_in_path() -> None:
    errors = errors_of(raw(storage={"type": "s3", "bucket": "footage", "colour": "red"}))
    assert list(errors) == ["storage.colour"]


def test_camera_id_with_dots_rejected() -> None:
    errors = errors_of(raw(cameras=[camera(id="../evil")]))
    assert "cameras[0].id" in errors


def test_unknown_site_reference() -> None:
    errors = errors_of(raw(cameras=[camera(site="JAKARTA")]))
    assert any("unknown site 'JAKARTA'" in msg for msg in errors.values())


def test_duplicate_camera_ids() -> None:
    errors = errors_of(raw(cameras=[camera(), camera(name="again")]))
    assert any("duplicate camera id 'cam1'" in msg for msg in errors.values())


def test_unknown_ingest_profile() -> None:
    errors = errors_of(raw(cameras=[camera(ingest_profile="h266-magic")]))
    assert any("unknown ingest_profile" in msg for msg in errors.values())


def test_custom_profile_makes_ingest_profile_known() -> None:
    data = raw(cameras=[camera(ingest_profile="tiny")], profiles={"tiny": {"codec": "h265"}})
    assert "tiny" in parse_config(data, environ={}).all_profiles


def test_rtsp_url_with_embedded_password_rejected() -> None:
    errors = errors_of(raw(cameras=[camera(rtsp_url="rtsp://admin:hunter2@10.0.0.5/live")]))
    assert "password" in errors["cameras[0].rtsp_url"]
    assert "hunter2" not in " ".join(errors.values())


@pytest.mark.parametrize("url", ["http://10.0.0.5/live", "rtsp:///nohost", "10.0.0.5:554"])
def test_non_rtsp_url_rejected(url: str) -> None:
    assert "cameras[0].rtsp_url" in errors_of(raw(cameras=[camera(rtsp_url=url)]))


def test_sub_stream_url_is_checked_too() -> None:
    errors = errors_of(raw(cameras=[camera(sub_rtsp_url="http://h/sub")]))
    assert "cameras[0].sub_rtsp_url" in errors


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "WIB", "../etc/passwd"])
def test_bad_timezone(zone: str) -> None:
    errors = errors_of(raw(sites=[{"id": "HO", "name": "HO", "timezone": zone}], cameras=[]))
    assert "sites[0].timezone" in errors


def test_watch_folder_needs_all_time_groups(tmp_path: Path) -> None:
    folder = {"path": str(tmp_path), "camera": "lobby", "filename_pattern": r"(?P<Y>\d{4})"}
    errors = errors_of(raw(watch_folders=[folder]))
    assert "watch_folders[0].filename_pattern" in errors


def test_env_overrides_storage_path_and_spool_quota() -> None:
    data = raw(storage={"type": "filesystem", "path": "/srv/old"})
    environ = {
        "VMS__STORAGE__PATH": "/mnt/nas",
        "VMS__SPOOL__QUOTA_GB": "50",
        "OTHER": "ignored",
    }
    config = parse_config(data, environ=environ)
    assert isinstance(config.storage, FilesystemStorage)
    assert config.storage.path == Path("/mnt/nas")
    assert config.spool.quota_gb == 50.0
    assert data["storage"]["path"] == "/srv/old"  # the input is not mutated


def test_env_override_of_storage_path_when_file_has_no_storage_section() -> None:
    """The documented example: the file relies on the default (filesystem) storage."""
    config = parse_config(raw(), environ={"VMS__STORAGE__PATH": "/mnt/nas"})
    assert isinstance(config.storage, FilesystemStorage)
    assert config.storage.path == Path("/mnt/nas")


def test_env_override_of_index_path_when_file_has_no_index_section() -> None:
    config = parse_config(raw(), environ={"VMS__INDEX__PATH": "/var/vms/i.sqlite3"})
    assert isinstance(config.index, SqliteIndex)
    assert config.index.path == Path("/var/vms/i.sqlite3")


def test_env_override_can_switch_storage_type() -> None:
    environ = {"VMS__STORAGE__TYPE": "s3", "VMS__STORAGE__BUCKET": "cctv-footage"}
    config = parse_config(raw(), environ=environ)
    assert isinstance(config.storage, S3Storage)
    assert config.storage.bucket == "cctv-footage"


def test_env_override_value_is_validated() -> None:
    errors = errors_of(raw(), environ={"VMS__SPOOL__QUOTA_GB": "0"})
    assert "spool.quota_gb" in errors


def test_load_config_invalid_yaml(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("sites: [\n  - id: HO\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert caught.value.errors[0][0] == "(file)"


def test_load_config_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert caught.value.errors[0][0] == "(root)"


def test_load_config_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.yaml", environ={})


def test_load_config_reads_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "vms.yaml"
    path.write_text(yaml.safe_dump(VALID), encoding="utf-8")
    config = load_config(path, environ={})
    assert isinstance(config, Config)
    assert len(config.cameras) == 2


def test_cli_config_check_reports_field_path_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "vms.yaml"
    path.write_text(yaml.safe_dump(raw(cameras=[camera(bogus=1)])), encoding="utf-8")
    result = CliRunner().invoke(app, ["config", "check", str(path)])
    assert result.exit_code == 2
    assert "cameras[0].bogus" in result.output


def test_cli_config_check_ok(tmp_path: Path) -> None:
    path = tmp_path / "vms.yaml"
    path.write_text(yaml.safe_dump(VALID), encoding="utf-8")
    result = CliRunner().invoke(app, ["config", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert "OK (2 sites, 2 cameras)" in result.output


def test_rtsp_password_from_env() -> None:
    gate = parse_config(raw(), environ={}).camera("gate_2")
    assert gate is not None
    assert rtsp_password(gate, {"GATE2_PASSWORD": "s3cret"}) == "s3cret"


def test_rtsp_password_missing_env_var() -> None:
    gate = parse_config(raw(), environ={}).camera("gate_2")
    assert gate is not None
    with pytest.raises(ConfigError) as caught:
        rtsp_password(gate, {})
    assert caught.value.errors[0][0] == "cameras.gate_2.password_env"


def test_rtsp_password_from_file(tmp_path: Path) -> None:
    secret = tmp_path / "lobby.pw"
    secret.write_text("  from-file\n", encoding="utf-8")
    config = parse_config(raw(cameras=[camera(password_file=str(secret))]), environ={})
    assert rtsp_password(config.cameras[0], {}) == "from-file"


def test_rtsp_password_unreadable_file(tmp_path: Path) -> None:
    config = parse_config(raw(cameras=[camera(password_file=str(tmp_path / "no"))]), environ={})
    with pytest.raises(ConfigError) as caught:
        rtsp_password(config.cameras[0], {})
    assert caught.value.errors[0][0] == "cameras.cam1.password_file"


def test_rtsp_password_none_when_not_configured() -> None:
    lobby = parse_config(raw(), environ={}).camera("lobby")
    assert lobby is not None
    assert rtsp_password(lobby, {"GATE2_PASSWORD": "x"}) is None


def test_relay_defaults_and_checks() -> None:
    config = parse_config(raw(), environ={})
    relay = config.relay
    assert (relay.http_port, relay.rtmp_port, relay.fragment_s, relay.idle_timeout_s) == (
        5000, 19350, 1.0, 60,
    )  # fmt: skip
    assert relay.tls is None and config.camera("lobby").live.value == "on_demand"
    data = raw()
    data["relay"] = {"cors_origin": "http://viewer.example.co.id", "rtmp_port": 80}
    with pytest.raises(ConfigError) as info:
        parse_config(data, environ={})
    fields = {field for field, _ in info.value.errors}
    assert fields == {"relay.cors_origin", "relay.rtmp_port"}
