"""The Lambda bundle and layers built by infra/cdk/cctv_infra/artifacts.py.

The first run downloads wheels from the package index (uv caches them); later
runs reuse build/ (keyed by a hash of the inputs).
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cctv_infra import artifacts
from cctv_infra.settings import DEFAULT_CONFIG

from footage.media.commands import packets_command
from footage.media.packets import parse_framecrc
from footage.media.probe import VIDEO_CODECS

ELF_MACHINE = {"x86_64": 62, "aarch64": 183}
HANDLER_MODULES = (
    "functions.ingest.handler",
    "functions.sweep.handler",
    "functions.api.handler",
    "functions.export.handler",
    "functions.drill.handler",
)


@pytest.fixture(scope="module")
def ffmpeg_x86() -> Path:
    return artifacts.ffmpeg_layer("x86_64") / "bin" / "ffmpeg"


def elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF"
    (machine,) = struct.unpack_from("<H", header, 18)
    return int(machine)


@pytest.mark.parametrize("arch", artifacts.ARCHES)
def test_layer_binary_is_an_executable_elf_for_its_arch(arch: str) -> None:
    binary = artifacts.ffmpeg_layer(arch) / "bin" / "ffmpeg"
    assert binary.stat().st_mode & 0o777 == 0o755
    assert elf_machine(binary) == ELF_MACHINE[arch]
    assert sorted(p.name for p in binary.parent.parent.iterdir()) == ["bin"]


def encode_clip(ffmpeg: Path, dest: Path) -> None:
    command = [
        str(ffmpeg), "-hide_banner", "-nostdin", "-v", "error", "-y",
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15:duration=2",
        "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-shortest", str(dest),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def test_layer_ffmpeg_encodes_and_probes_without_ffprobe(ffmpeg_x86: Path, tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    encode_clip(ffmpeg_x86, clip)
    command = packets_command(clip, str(ffmpeg_x86))  # the Lambda probe: framecrc
    out = subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout
    assert "#codec_id 0: h264" in out
    assert "#dimensions 0: 320x240" in out
    assert "#codec_id 1: aac" in out
    info = parse_framecrc(out, VIDEO_CODECS)
    assert (info.codec, info.width, info.height) == ("h264", 320, 240)
    assert info.audio_codec == "aac"
    assert info.duration_s == pytest.approx(2.0, abs=0.2)
    assert info.fps == pytest.approx(15.0, abs=0.5)


def build_all() -> list[Path]:
    return [
        artifacts.ffmpeg_layer("x86_64"),
        artifacts.lambda_bundle("x86_64", "3.11"),
        artifacts.config_layer(DEFAULT_CONFIG),
    ]


def test_artifacts_are_cached_by_input_hash() -> None:
    first = build_all()  # builds whatever changed (sources may have been edited)
    stamps = [p.with_name(f"{p.name}.key").stat().st_mtime_ns for p in first]
    start = time.perf_counter()
    assert build_all() == first
    assert time.perf_counter() - start < 2.0
    assert [p.with_name(f"{p.name}.key").stat().st_mtime_ns for p in first] == stamps


def test_config_layer_holds_the_config_at_opt_vms(tmp_path: Path) -> None:
    layer = artifacts.config_layer(DEFAULT_CONFIG)
    assert (layer / "vms" / "config.yaml").read_bytes() == DEFAULT_CONFIG.read_bytes()


@pytest.fixture(scope="module")
def bundle_311() -> Path:
    """Built for this interpreter (3.11): the same code path as the 3.12 deploy build."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return artifacts.lambda_bundle("x86_64", version)


def test_bundle_holds_first_party_sources_without_caches(bundle_311: Path) -> None:
    for package in artifacts.LAMBDA_PACKAGES:
        assert (bundle_311 / package / "__init__.py").is_file()
    assert not list(bundle_311.glob("footage/**/__pycache__"))
    for excluded in ("av", "google", "typer"):
        assert not (bundle_311 / excluded).exists(), excluded


def test_every_handler_imports_from_the_bundle_alone(bundle_311: Path) -> None:
    missing = [m for m in HANDLER_MODULES if not _module_file(m).is_file()]
    if missing:
        pytest.fail(f"handler modules not written yet: {missing}")
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import importlib, fastapi, footage; "
        f"[importlib.import_module(m) for m in {list(HANDLER_MODULES)!r}]; "
        "print(fastapi.__file__); print(footage.__file__)"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_DEFAULT_REGION": "ap-southeast-3",
        "AWS_REGION": "ap-southeast-3",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "VMS_BUCKET": "footage-bucket",
        "VMS_TABLE": "footage-table",
        "VMS_CONFIG_PATH": str(DEFAULT_CONFIG),
        "POWERTOOLS_SERVICE_NAME": "cctv-vms",
        "POWERTOOLS_METRICS_NAMESPACE": "CctvVms",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "VMS_COGNITO_USER_POOL_ID": "ap-southeast-3_example",
        "VMS_COGNITO_CLIENT_ID": "exampleclientid",
        "VMS_EXPORT_FUNCTION": "cctv-vms-export",
    }
    # -S: no site-packages, so nothing can come from the venv by accident;
    # -B: no __pycache__ written into the bundle.
    result = subprocess.run(
        [sys.executable, "-S", "-B", "-c", script, str(bundle_311)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for module_file in result.stdout.split():
        assert Path(module_file).is_relative_to(bundle_311), module_file


def _module_file(module: str) -> Path:
    return artifacts.REPO_ROOT / (module.replace(".", "/") + ".py")


@pytest.mark.parametrize("arch", artifacts.ARCHES)
def test_deploy_bundle_extensions_are_cp312_for_the_arch(arch: str) -> None:
    bundle = artifacts.lambda_bundle(arch, "3.12")
    extensions = [p for p in bundle.rglob("*.so") if ".cpython-" in p.name]
    assert extensions, "expected compiled wheels (pydantic-core, PyYAML, ...)"
    for extension in extensions:
        assert f".cpython-312-{arch}-linux-gnu.so" in extension.name, extension
        assert elf_machine(extension) == ELF_MACHINE[arch], extension
    assert not (bundle / "bin").exists()


@pytest.mark.parametrize("arch", artifacts.ARCHES)
def test_bundle_and_layers_fit_lambdas_unzipped_limit(arch: str) -> None:
    total = artifacts.tree_size(artifacts.lambda_bundle(arch, "3.12"))
    total += artifacts.tree_size(artifacts.ffmpeg_layer(arch))
    total += artifacts.tree_size(artifacts.config_layer(DEFAULT_CONFIG))
    assert total < artifacts.LAMBDA_SIZE_LIMIT, f"{total / 2**20:.0f} MiB"
