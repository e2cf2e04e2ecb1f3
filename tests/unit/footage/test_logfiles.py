"""Every log has a bound: a child's output through the pump, cut back or rotated,
and a pump that goes on draining when the disk is full."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from footage.logfiles import (
    CHILD_LOG,
    FFMPEG_LOG,
    MAX_LINE,
    NGINX_LOGS,
    LogCap,
    LogPump,
    log_bytes,
    log_dirs,
    rotate_if_over,
    rotated,
    spawn_logged,
)

LINE = "frame=  100 warning: something about timestamps, again and again"


def _child(lines: int, line: str = LINE, stdout: bool = False) -> list[str]:
    stream = "sys.stdout" if stdout else "sys.stderr"
    code = f"import sys\nfor i in range({lines}): print(f'{{i}} {line}', file={stream})"
    return [sys.executable, "-c", code]


def _spawn(
    command: list[str], path: Path, cap: LogCap, with_stdout: bool = False
) -> tuple[subprocess.Popen[bytes], LogPump]:
    pump = LogPump(path, cap)
    stdout = pump.write_fd if with_stdout else subprocess.DEVNULL
    process = subprocess.Popen(command, stdout=stdout, stderr=pump.write_fd)
    pump.start()
    return process, pump


def _run(command: list[str], path: Path, cap: LogCap, with_stdout: bool = False) -> int:
    process, pump = _spawn(command, path, cap, with_stdout)
    assert process.wait(timeout=60) == 0
    pump.join(10)
    return pump.lost_lines


def test_ffmpeg_log_keeps_its_tail_under_the_limit(tmp_path: Path) -> None:
    path = tmp_path / ".ffmpeg.log"
    cap = LogCap(limit=8192, keep=1024)
    _run(_child(2000), path, cap)  # ~140 KB written
    text = path.read_text()
    assert len(text) <= cap.limit + len(LINE) + 8
    assert text.endswith(f"1999 {LINE}\n") and "\n0 " not in text
    _run(_child(3), path, cap)  # a new run starts afresh
    assert path.read_text().splitlines()[0] == f"0 {LINE}"


def test_child_log_rotates_to_dot_1_and_a_new_run_appends(tmp_path: Path) -> None:
    path = tmp_path / "api.log"
    cap = LogCap(limit=8192, append=True)
    _run(_child(10), path, cap, with_stdout=True)
    _run(_child(10, "second run"), path, cap, with_stdout=True)
    assert path.read_text().count("\n") == 20  # appended
    _run(_child(2000), path, cap, with_stdout=True)
    assert path.stat().st_size <= cap.limit + len(LINE) + 8
    assert rotated(path).stat().st_size <= cap.limit + len(LINE) + 8
    assert path.read_text().endswith(f"1999 {LINE}\n")
    assert log_bytes([tmp_path]) <= cap.bound + 2 * (len(LINE) + 8)


def test_pump_drains_a_child_when_the_disk_is_full() -> None:
    """/dev/full fails every write with ENOSPC. The pump must keep draining the
    pipe, or the child blocks on it once 64 KB are buffered (ffmpeg: recording stops)."""
    process, pump = _spawn(_child(20_000), Path("/dev/full"), CHILD_LOG)
    try:
        assert process.wait(timeout=30) == 0  # ~1.4 MB through a 64 KB pipe
    finally:
        process.kill()
    pump.join(10)
    assert pump.lost_lines > 0
    assert pump.tail().endswith(f"19999 {LINE}\n")  # for the status: from memory


def test_a_line_without_end_is_written_in_pieces(tmp_path: Path) -> None:
    path = tmp_path / "x.log"
    code = "import sys; sys.stderr.write('x' * 50_000)"
    _run([sys.executable, "-c", code], path, LogCap(limit=20_000, keep=1000))
    assert path.stat().st_size <= 20_000 + MAX_LINE


def test_rotate_if_over_and_log_bytes(tmp_path: Path) -> None:
    cap = LogCap(limit=100, append=True)
    small, big = tmp_path / "error.log", tmp_path / "access.log"
    small.write_bytes(b"e" * 100)
    big.write_bytes(b"a" * 101)
    (tmp_path / "segment.mp4").write_bytes(b"v" * 5000)  # footage, not a log
    (tmp_path / ".ffmpeg.log").write_bytes(b"f" * 7)
    assert log_bytes([tmp_path, tmp_path / "missing"]) == 208
    assert not rotate_if_over(small, cap) and rotate_if_over(big, cap)
    assert not big.exists() and rotated(big).stat().st_size == 101
    assert not rotate_if_over(tmp_path / "missing.log", cap)
    assert log_bytes([tmp_path]) == 208  # .1 counts too


@pytest.mark.parametrize("cap", [FFMPEG_LOG, CHILD_LOG, *NGINX_LOGS.values()])
def test_every_log_has_a_bound_of_a_few_mib(cap: LogCap) -> None:
    assert 0 < cap.bound <= 16 * 1024 * 1024
    assert cap.keep < cap.limit


def test_ffmpeg_output_is_still_masked(tmp_path: Path) -> None:
    path = tmp_path / ".ffmpeg.log"
    url = "rtsp://admin:s3cret-pass@10.0.0.5/stream"
    code = f"import sys; print('Connection to {url} failed', file=sys.stderr)"
    _run([sys.executable, "-c", code], path, FFMPEG_LOG)
    assert "s3cret-pass" not in path.read_text() and "10.0.0.5" in path.read_text()


def test_spawn_failure_closes_the_pipe(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        spawn_logged(["/nonexistent/ffmpeg"], tmp_path / "x.log")
    assert not (tmp_path / "x.log").exists()


def test_log_dirs_are_where_the_children_and_nginx_write(tmp_path: Path) -> None:
    from edge_uploader.shell.children import api_server, relay_server
    from streaming.nginx import RelayPaths

    dirs = log_dirs(tmp_path)
    assert api_server(tmp_path / "c.yaml", tmp_path, 5001).log_path.parent in dirs
    assert relay_server(tmp_path / "c.yaml", tmp_path, "127.0.0.1", 5000).log_path.parent in dirs
    assert RelayPaths(tmp_path / "relay").logs in dirs
