"""Load, override and validate the YAML configuration.

Environment variables override the file: ``VMS__STORAGE__PATH=/mnt/nas`` sets
``storage.path``; ``VMS__SPOOL__QUOTA_GB=50`` sets ``spool.quota_gb``. Values are
parsed as YAML scalars. Secrets never live in the file: RTSP passwords come from
``password_env``/``password_file``; cloud credentials from the SDKs' own chains.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import yaml
from pydantic import ValidationError

from footage.config import Camera, Config, FilesystemStorage, SqliteIndex
from footage.errors import ConfigError
from footage.redact import register_secret

ENV_PREFIX = "VMS__"


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> Config:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError([("(file)", f"cannot read {path}: {exc.strerror}")]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError([("(file)", f"not valid YAML: {exc}")]) from exc
    if not isinstance(raw, dict):
        raise ConfigError([("(root)", "the file must hold a mapping with 'sites' and 'cameras'")])
    return parse_config(raw, environ)


def parse_config(raw: dict[str, Any], environ: Mapping[str, str] | None = None) -> Config:
    merged = apply_env_overrides(raw, os.environ if environ is None else environ)
    try:
        return Config.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(_error_list(exc)) from exc


def apply_env_overrides(raw: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    result: dict[str, Any] = {**raw}
    for name, value in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX):
            continue
        path = [part.lower() for part in name[len(ENV_PREFIX) :].split("__") if part]
        if not path:
            continue
        node = result
        for part in path[:-1]:
            child = node.get(part)
            child = {**child} if isinstance(child, dict) else {}
            node[part] = child
            node = child
        node[path[-1]] = yaml.safe_load(value)
    return result


def _error_list(exc: ValidationError) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    for error in exc.errors():
        path = _format_loc(error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        errors.append((path, message))
    return errors


def _format_loc(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item in {"filesystem", "s3", "gcs", "sqlite", "dynamodb"} and parts:
            continue  # discriminated-union tag: not a field of the user's file
        else:
            parts.append(f".{item}" if parts else str(item))
    return "".join(parts) or "(root)"


@dataclass(frozen=True, slots=True)
class Paths:
    """Local paths once defaults under the data dir are applied."""

    data_dir: Path
    spool: Path
    storage: Path | None
    index: Path | None
    status_file: Path
    users: Path
    audit: Path  # used when the index is SQLite; with DynamoDB the trail is in the table


def resolve_paths(config: Config, data_dir: Path) -> Paths:
    data_dir = data_dir.resolve()
    storage = None
    if isinstance(config.storage, FilesystemStorage):
        storage = (config.storage.path or data_dir / "storage").resolve()
    index = None
    if isinstance(config.index, SqliteIndex):
        index = (config.index.path or data_dir / "index.sqlite3").resolve()
    spool = (config.spool.path or data_dir / "spool").resolve()
    return Paths(
        data_dir, spool, storage, index, data_dir / "status.json", data_dir / "users.sqlite3",
        data_dir / "audit.sqlite3",
    )  # fmt: skip


def rtsp_password(camera: Camera, environ: Mapping[str, str] | None = None) -> str | None:
    """The camera's RTSP password from its env var or file (never from the YAML)."""
    env = os.environ if environ is None else environ
    if camera.password_env:
        if camera.password_env not in env:
            raise ConfigError(
                [(f"cameras.{camera.id}.password_env", f"${camera.password_env} is not set")]
            )
        return env[camera.password_env]
    if camera.password_file:
        try:
            return camera.password_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                [(f"cameras.{camera.id}.password_file", f"cannot read: {exc.strerror}")]
            ) from exc
    return None


def camera_url(camera: Camera, url: str, environ: Mapping[str, str] | None = None) -> str:
    """The RTSP URL with credentials from the environment or a file filled in. The
    password is registered as a secret: footage.redact masks it in anything printed."""
    password = rtsp_password(camera, environ)
    if password:
        register_secret(password)
    if camera.username is None and password is None:
        return url
    parts = urlsplit(url)
    user = quote(camera.username or "", safe="")
    auth = f"{user}:{quote(password, safe='')}" if password is not None else user
    host = parts.hostname or ""
    netloc = f"{auth}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
