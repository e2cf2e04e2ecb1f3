"""Start real local servers (moto, gcp-storage-emulator) for integration tests."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from edge_uploader.harness.ports import free_port

LOOPBACK = "127.0.0.1"

#: Fake AWS settings: moto accepts any credentials, and these keep boto3 away from
#: real config files, profiles and the instance metadata service.
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}
#: Variables that would point boto3 at another account or endpoint.
CLEARED_AWS_ENV = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ROLE_ARN")


class ServerStartError(RuntimeError):
    """The server process died or never answered HTTP."""


def venv_script(name: str) -> Path:
    """A console script installed beside the running interpreter (the project venv)."""
    script = Path(sys.executable).parent / name
    if not script.exists():
        raise ServerStartError(f"{name} is not installed in {script.parent}")
    return script


def http_answers(url: str, timeout: float = 1.0) -> bool:
    """True when something answers HTTP at ``url`` (any status code counts)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def wait_for_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerStartError(f"server exited with code {proc.returncode} before {url}")
        if http_answers(url):
            return
        time.sleep(0.1)
    raise ServerStartError(f"nothing answered at {url} within {timeout:.0f} s")


def stop(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


def start_server(
    command_for_port: Callable[[int], list[str]],
    health_path: str,
    log_path: Path,
    attempts: int = 3,
    timeout: float = 30.0,
) -> tuple[subprocess.Popen[bytes], str]:
    """Start a server on a free loopback port; retry when the port was taken meanwhile."""
    error: ServerStartError | None = None
    for _ in range(attempts):
        port = free_port()
        url = f"http://{LOOPBACK}:{port}"
        with log_path.open("ab") as log:
            proc = subprocess.Popen(
                command_for_port(port), stdout=log, stderr=subprocess.STDOUT, cwd=log_path.parent
            )
        try:
            wait_for_http(url + health_path, proc, timeout)
        except ServerStartError as exc:
            stop(proc)
            error = exc
            continue
        return proc, url
    raise ServerStartError(f"could not start {log_path.stem}; see {log_path}") from error


@contextlib.contextmanager
def moto_server(log_dir: Path) -> Iterator[str]:
    """A moto server (S3, DynamoDB, SQS...) on loopback; yields its endpoint URL."""
    script = str(venv_script("moto_server"))
    proc, url = start_server(
        lambda port: [script, "-H", LOOPBACK, "-p", str(port)], "/moto-api/", log_dir / "moto.log"
    )
    try:
        yield url
    finally:
        stop(proc)


@contextlib.contextmanager
def gcs_emulator(log_dir: Path) -> Iterator[str]:
    """gcp-storage-emulator, in memory, on loopback, with GCS's write-once
    precondition added (tests/support/gcs_strict.py); yields its endpoint URL."""
    command = [sys.executable, str(Path(__file__).with_name("gcs_strict.py")), "start"]
    proc, url = start_server(
        lambda port: [*command, "--host", LOOPBACK, "--port", str(port), "--in-memory"],
        "/",
        log_dir / "gcs-emulator.log",
    )
    try:
        yield url
    finally:
        stop(proc)
