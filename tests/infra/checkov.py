"""Run checkov over synthesized templates, from its own venv.

checkov pins boto3 (and packaging, networkx) exactly, so it cannot share the dev
environment: it is the ``checkov`` dependency group (pyproject.toml, conflicting
with ``dev``), installed from uv.lock into ``build/checkov-venv`` by ``uv sync``,
which is a no-op once it is there. Its CLI runs with --skip-download: no network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cctv_infra.settings import REPO_ROOT

CHECKOV_VENV = REPO_ROOT / "build" / "checkov-venv"
_TIMEOUT_S = 600


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    name: str
    resource: str  # "<Type>.<LogicalId>"
    template: str  # the template's file name


@dataclass(frozen=True, slots=True)
class Report:
    passed: int
    failed: list[Finding]


def checkov_bin(venv: Path = CHECKOV_VENV) -> Path:
    """The checkov CLI of the locked ``checkov`` group, installed if missing."""
    uv = os.environ.get("UV") or shutil.which("uv")
    if uv is None:
        raise RuntimeError("uv is needed to install checkov (it is not on PATH)")
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["UV_PROJECT_ENVIRONMENT"] = str(venv)
    command = [uv, "sync", "--frozen", "--only-group", "checkov", "--no-install-project", "--quiet"]
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                            timeout=_TIMEOUT_S, check=False)  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"uv sync --only-group checkov failed:\n{result.stderr}")
    return venv / "bin" / "checkov"


def run_checkov(templates: Sequence[Path]) -> Report:
    """Every check of checkov's CloudFormation framework over ``templates``."""
    files = [arg for template in templates for arg in ("--file", str(template))]
    command = [str(checkov_bin()), *files, "--framework", "cloudformation", "--skip-download",
               "--compact", "--quiet", "--output", "json"]  # fmt: skip
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "LOG_LEVEL": "WARNING"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=_TIMEOUT_S,
                            env=env, check=False)  # fmt: skip
    if result.returncode not in (0, 1):  # 1: some check failed
        raise RuntimeError(f"checkov exited {result.returncode}:\n{result.stderr[-2000:]}")
    reports = json.loads(result.stdout)
    passed, failed = 0, []
    for report in reports if isinstance(reports, list) else [reports]:
        passed += report["summary"]["passed"]
        failed += [
            Finding(f["check_id"], f["check_name"], f["resource"], Path(f["file_path"]).name)
            for f in report.get("results", {}).get("failed_checks", [])
        ]
    return Report(passed, failed)
