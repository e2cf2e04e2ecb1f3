"""Run ffmpeg/ffprobe: never through a shell, always with a timeout, stderr kept."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from footage.errors import MediaError

_STDERR_TAIL = 2000


def run_tool(args: Sequence[str], timeout_s: float) -> str:
    """Run ``args``; return stdout. Raise MediaError with stderr on failure."""
    return run_tool_stderr(args, timeout_s)[0]


def run_tool_stderr(args: Sequence[str], timeout_s: float) -> tuple[str, str]:
    """Run ``args``; return (stdout, stderr): for tools that report problems on stderr
    and still exit 0 (a decoder meeting a broken frame). Raise MediaError on failure."""
    try:
        done = subprocess.run(
            list(args), capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise MediaError(f"{args[0]} timed out after {timeout_s:.0f} s") from exc
    except OSError as exc:
        raise MediaError(f"cannot run {args[0]}: {exc.strerror}") from exc
    if done.returncode != 0:
        tail = done.stderr.strip()[-_STDERR_TAIL:] or f"exit code {done.returncode}"
        raise MediaError(f"{args[0]} failed: {tail}")
    return done.stdout, done.stderr
