"""Build the Lambda code and layers as plain directories under ``<repo>/build/``.

No Docker: third-party wheels are installed for the Lambda platform by
``uv pip install --python-platform ... --python-version ...``. We use uv rather
than ``pip install --platform``: pip evaluates environment markers against the
*running* interpreter, so from 3.11 it installed ``av==18.1.0`` (locked for
``python_full_version < '3.12'``) into a 3.12 bundle; uv evaluates them for the
target. uv is also the one tool a clean clone is guaranteed to have, and with
``--require-hashes`` it checks every wheel's sha256 against the lock (and the
imageio-ffmpeg wheel against the hashes pinned below).

Every artifact is keyed by a hash of its inputs, stored beside it in
``<artifact>.key``; a second call with the same inputs returns at once. The web
viewer is the exception: it is built in place (``web/dist``, where ``vms up``
serves it too) by npm, and rebuilt when a source is newer than the build.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from cctv_infra.settings import REPO_ROOT

FFMPEG_WHEEL = "imageio-ffmpeg==0.6.0"
FFMPEG_VERSION = "v7.0.2"
#: sha256 of the manylinux2014 wheels on PyPI (checked by uv before unpacking).
FFMPEG_WHEEL_SHA256 = {
    "x86_64": "c7e46fcec401dd990405049d2e2f475e2b397779df2519b544b8aab515195282",
    "aarch64": "1d47bebd83d2c5fc770720d211855f208af8a596c82d17730aa51e815cdee6dc",
}
ARCHES = tuple(FFMPEG_WHEEL_SHA256)

#: Dependencies the Lambda functions never import, pruned with everything only they
#: pull in (``uv export --prune``), to stay well inside Lambda's 250 MB unzipped
#: limit beside the ffmpeg layer (80 MB on x86_64). Media work runs the layer's ffmpeg.
#: - google-cloud-storage: the GCS adapter is for on-prem installs; it pulls
#:   google-auth, protobuf, cryptography and requests with it.
#: - typer: the ``vms`` CLI (edge_uploader) only; it pulls rich and pygments.
#: - aiortc: the edge relay's WebRTC (streaming/); it pulls av, aioice and pylibsrtp.
#: - imageio-ffmpeg: the edge's calibration scores VMAF with its ffmpeg (60 MB).
#: - pywebpush: web push goes to the viewers of an on-prem installation; its
#:   http-ece has no wheel, and the bundle installs wheels only.
LAMBDA_EXCLUDED = ("google-cloud-storage", "typer", "aiortc", "imageio-ffmpeg", "pywebpush")
#: First-party packages copied into the bundle (source only).
LAMBDA_PACKAGES = ("footage", "functions")
LAMBDA_SIZE_LIMIT = 250 * 1024 * 1024
_UV_TIMEOUT_S = 900
_NPM_TIMEOUT_S = 600
#: What ``npm run build`` (tsc + vite) reads in web/, besides node_modules.
WEB_INPUTS = (
    "src",
    "public",
    "index.html",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "vite.config.ts",
)
#: This module's own hash: a change to how artifacts are built rebuilds them.
_RECIPE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def ffmpeg_layer(arch: str, root: Path = REPO_ROOT) -> Path:
    """``build/layers/ffmpeg-<arch>/`` holding ``bin/ffmpeg`` (0755): /opt/bin/ffmpeg."""
    _check_arch(arch)
    key = _digest([_RECIPE, FFMPEG_WHEEL, FFMPEG_WHEEL_SHA256[arch], FFMPEG_VERSION])
    return _cached(root / "build" / "layers" / f"ffmpeg-{arch}", key, _ffmpeg_builder(arch))


def lambda_bundle(arch: str, python_version: str = "3.12", root: Path = REPO_ROOT) -> Path:
    """``build/lambda/py<ver>-<arch>/``: locked third-party deps plus footage/functions."""
    _check_arch(arch)
    sources = sorted(_source_files(root))
    key = _digest(
        [_RECIPE, arch, python_version, *LAMBDA_EXCLUDED, _file_hash(root / "uv.lock")]
        + [f"{p.relative_to(root)}:{_file_hash(p)}" for p in sources]
    )
    target = root / "build" / "lambda" / f"py{python_version}-{arch}"
    return _cached(target, key, lambda out: _build_bundle(out, arch, python_version, root))


def config_layer(config_path: Path, root: Path = REPO_ROOT) -> Path:
    """``build/layers/config-<hash>/vms/config.yaml``: handlers read /opt/vms/config.yaml."""
    data = config_path.read_bytes()
    key = hashlib.sha256(data).hexdigest()
    target = root / "build" / "layers" / f"config-{key[:16]}"

    def build(out: Path) -> None:
        (out / "vms").mkdir(parents=True)
        (out / "vms" / "config.yaml").write_bytes(data)

    return _cached(target, key, build)


def viewer_dist(root: Path = REPO_ROOT) -> Path:
    """``web/dist``, built by ``npm run build`` if missing or older than its sources;
    ``npm ci`` first if node_modules is missing or older than package-lock.json."""
    web = root / "web"
    dist = web / "dist"
    built = dist / "index.html"  # vite rewrites it on every build
    if built.is_file() and _newest_mtime(web / name for name in WEB_INPUTS) <= _mtime(built):
        return dist
    npm = _npm()
    # npm writes node_modules/.package-lock.json on every install.
    installed = web / "node_modules" / ".package-lock.json"
    if not installed.is_file() or _mtime(installed) < _mtime(web / "package-lock.json"):
        _run([npm, "ci", "--no-audit", "--no-fund"], cwd=web, timeout=_NPM_TIMEOUT_S)
    _run([npm, "run", "build"], cwd=web, timeout=_NPM_TIMEOUT_S)
    if not built.is_file():
        raise RuntimeError(f"npm run build in {web} did not write {built}")
    return dist


def tree_size(path: Path) -> int:
    """Unzipped size in bytes, as Lambda counts it."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


# -- builders ---------------------------------------------------------------


def _ffmpeg_builder(arch: str) -> Callable[[Path], None]:
    def build(out: Path) -> None:
        with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
            requirements = Path(tmp) / "requirements.txt"
            requirements.write_text(
                f"{FFMPEG_WHEEL} --hash=sha256:{FFMPEG_WHEEL_SHA256[arch]}\n", encoding="utf-8"
            )
            unpacked = Path(tmp) / "wheel"
            _uv_install(requirements, unpacked, arch, "3.12", extra=["--no-deps"])
            binary = unpacked / "imageio_ffmpeg" / "binaries"
            binary = binary / f"ffmpeg-linux-{arch}-{FFMPEG_VERSION}"
            (out / "bin").mkdir(parents=True)
            shutil.copyfile(binary, out / "bin" / "ffmpeg")
        (out / "bin" / "ffmpeg").chmod(0o755)

    return build


def _build_bundle(out: Path, arch: str, python_version: str, root: Path) -> None:
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text(_export_requirements(root), encoding="utf-8")
        _uv_install(requirements, out, arch, python_version)
    # Console scripts with shebangs for this machine's interpreter: never run in Lambda.
    shutil.rmtree(out / "bin", ignore_errors=True)
    for package in LAMBDA_PACKAGES:
        shutil.copytree(
            root / package,
            out / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"),
        )


def _export_requirements(root: Path) -> str:
    prune = [arg for name in LAMBDA_EXCLUDED for arg in ("--prune", name)]
    command = [
        _uv(), "export", "--frozen", "--no-dev", "--no-emit-project",
        "--format", "requirements-txt", "--no-header", *prune,
    ]  # fmt: skip
    return _run(command, cwd=root)


def _uv_install(
    requirements: Path, target: Path, arch: str, python_version: str, extra: Iterable[str] = ()
) -> None:
    # manylinux_2_28 also accepts manylinux2014 wheels; the Lambda python3.12
    # runtime (Amazon Linux 2023, glibc 2.34) runs both.
    command = [
        _uv(), "pip", "install", "--target", str(target), "--python-version", python_version,
        "--python-platform", f"{arch}-manylinux_2_28", "--only-binary", ":all:",
        "--require-hashes", "--link-mode", "copy", "--quiet", *extra, "-r", str(requirements),
    ]  # fmt: skip
    _run(command, cwd=target.parent)


# -- helpers ----------------------------------------------------------------


def _cached(target: Path, key: str, build: Callable[[Path], None]) -> Path:
    """Return ``target`` if built from ``key``; else build it aside and swap it in."""
    stamp = target.with_name(f"{target.name}.key")
    if target.is_dir() and stamp.is_file() and stamp.read_text(encoding="utf-8") == key:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.building")
    shutil.rmtree(staging, ignore_errors=True)
    build(staging)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)  # a half-built tree is never left under the real name
    stamp.write_text(key, encoding="utf-8")
    return target


def _source_files(root: Path) -> Iterable[Path]:
    for package in LAMBDA_PACKAGES:
        for path in (root / package).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                yield path


def _digest(parts: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mtime(path: Path) -> int:
    return path.stat().st_mtime_ns


def _newest_mtime(paths: Iterable[Path]) -> int:
    """Newest modification time of the files (and trees) that exist; 0 if none do."""
    newest = 0
    for path in paths:
        files = path.rglob("*") if path.is_dir() else iter([path])
        newest = max([newest, *(_mtime(f) for f in files if f.is_file())])
    return newest


def _npm() -> str:
    found = os.environ.get("NPM") or shutil.which("npm")
    if not found:
        raise RuntimeError(
            "npm is needed to build the web viewer (web/dist): install Node.js 20 or newer"
        )
    return found


def _uv() -> str:
    found = os.environ.get("UV") or shutil.which("uv")
    if not found:
        raise RuntimeError("uv is needed to build the Lambda artifacts (it is not on PATH)")
    return found


def _run(command: list[str], cwd: Path, timeout: float = _UV_TIMEOUT_S) -> str:
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        # tsc reports type errors on stdout, npm and vite on stderr
        output = "\n".join(part.strip() for part in (result.stdout, result.stderr) if part.strip())
        raise RuntimeError(f"{' '.join(command[:3])} failed (in {cwd}):\n{output}")
    return result.stdout


def _check_arch(arch: str) -> None:
    if arch not in ARCHES:
        raise ValueError(f"arch must be one of {ARCHES}, not {arch!r}")
