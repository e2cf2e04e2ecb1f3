"""artifacts.viewer_dist: web/dist rebuilt by npm only when its inputs changed.

A fake npm (a script named by $NPM) records its calls and writes what the real
one would, so these run in milliseconds; the real build is checked through the
synthesized viewer deployment (test_compute_stack.py).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cctv_infra import artifacts

FAKE_NPM = """#!/bin/sh
echo "$*" >> "{log}"
case "$1" in
  ci) mkdir -p node_modules && touch node_modules/.package-lock.json ;;
  run) [ -n "$FAIL_BUILD" ] && {{ echo "src/app.ts(1,1): error TS2304"; exit 2; }}
       mkdir -p dist && echo "<html></html>" > dist/index.html ;;
esac
"""
T0 = 1_700_000_000  # an old, fixed mtime for the sources


@pytest.fixture
def root(tmp_path: Path) -> Path:
    web = tmp_path / "web"
    (web / "src").mkdir(parents=True)
    for name in ("src/main.ts", "index.html", "package.json", "package-lock.json"):
        (web / name).write_text("x", encoding="utf-8")
        os.utime(web / name, (T0, T0))
    return tmp_path


@pytest.fixture
def npm_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "npm.log"
    npm = tmp_path / "npm"
    npm.write_text(FAKE_NPM.format(log=log), encoding="utf-8")
    npm.chmod(npm.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("NPM", str(npm))
    monkeypatch.delenv("FAIL_BUILD", raising=False)
    return log


def calls(log: Path) -> list[str]:
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return lines


def test_first_build_installs_then_builds(root: Path, npm_calls: Path) -> None:
    dist = artifacts.viewer_dist(root)
    assert dist == root / "web" / "dist"
    assert (dist / "index.html").is_file()
    assert calls(npm_calls) == ["ci --no-audit --no-fund", "run build"]


def test_nothing_runs_while_the_build_is_newer_than_its_sources(
    root: Path, npm_calls: Path
) -> None:
    artifacts.viewer_dist(root)
    calls(npm_calls)
    assert artifacts.viewer_dist(root) == root / "web" / "dist"
    assert calls(npm_calls) == []


@pytest.mark.parametrize("source", ["src/main.ts", "src/new.ts", "index.html", "package.json"])
def test_a_newer_source_rebuilds_without_reinstalling(
    root: Path, npm_calls: Path, source: str
) -> None:
    artifacts.viewer_dist(root)
    calls(npm_calls)
    changed = root / "web" / source
    changed.write_text("y", encoding="utf-8")
    later = (root / "web" / "dist" / "index.html").stat().st_mtime + 10
    os.utime(changed, (later, later))
    artifacts.viewer_dist(root)
    assert calls(npm_calls) == ["run build"]


def test_a_newer_lock_file_reinstalls(root: Path, npm_calls: Path) -> None:
    artifacts.viewer_dist(root)
    calls(npm_calls)
    lock = root / "web" / "package-lock.json"
    later = (root / "web" / "dist" / "index.html").stat().st_mtime + 10
    os.utime(lock, (later, later))
    artifacts.viewer_dist(root)
    assert calls(npm_calls) == ["ci --no-audit --no-fund", "run build"]


def test_a_failed_build_raises_with_the_compiler_output(
    root: Path, npm_calls: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIL_BUILD", "1")
    with pytest.raises(RuntimeError, match=r"(?s)npm run build failed.*error TS2304"):
        artifacts.viewer_dist(root)


def test_missing_npm_is_a_clear_error(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NPM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(RuntimeError, match="npm is needed to build the web viewer"):
        artifacts.viewer_dist(root)
