"""The edge's three wings and the core stay apart: the data path (edge_uploader's
top-level modules) imports neither the ``vms`` shell nor the development harness,
the harness does not import the shell, and ``footage/`` imports none of the
deployables. Read from the source (every import, also inside functions and
TYPE_CHECKING blocks), so nothing has to run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SHELL_AND_HARNESS = ("edge_uploader.shell", "edge_uploader.harness")


def imported(path: Path, package: str) -> set[str]:
    """Every module ``path`` imports, relative imports resolved against ``package``
    (the module's own package); ``from a import b`` counts as ``a`` and ``a.b``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def violations(files: list[Path], root: Path, forbidden: tuple[str, ...]) -> list[str]:
    """``file: module`` for each import of a module in (or under) ``forbidden``."""
    found = []
    for path in files:
        package = ".".join(path.relative_to(root).parent.parts)
        for name in sorted(imported(path, package)):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(root)}: {name}")
    return found


def test_the_data_path_imports_neither_the_shell_nor_the_harness() -> None:
    wings = {ROOT / "edge_uploader" / "shell", ROOT / "edge_uploader" / "harness"}
    data_path = sorted(
        p for p in (ROOT / "edge_uploader").rglob("*.py") if not wings & set(p.parents)
    )
    assert len(data_path) > 10  # the recorder, spool, journal, uploader... are there
    assert ROOT / "edge_uploader" / "journal" / "store.py" in data_path  # sub-packages too
    assert violations(data_path, ROOT, SHELL_AND_HARNESS) == []


def test_the_harness_does_not_import_the_shell() -> None:
    harness = sorted((ROOT / "edge_uploader" / "harness").rglob("*.py"))
    assert violations(harness, ROOT, ("edge_uploader.shell",)) == []


def test_the_core_imports_no_deployable() -> None:
    core = sorted((ROOT / "footage").rglob("*.py"))
    assert violations(core, ROOT, ("edge_uploader", "functions", "streaming")) == []


@pytest.mark.parametrize(
    "source",
    [
        "from edge_uploader.shell.status import SystemStatus\n",
        "import edge_uploader.harness.demo\n",
        "from edge_uploader import shell\n",
        "from .shell import cli\n",
        "def later():\n    from edge_uploader.harness.camsim import launcher\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from edge_uploader.shell.bootstrap import Runtime\n",
    ],
)
def test_every_way_of_importing_the_shell_or_harness_is_caught(tmp_path: Path, source: str) -> None:
    module = tmp_path / "edge_uploader" / "recorder.py"
    module.parent.mkdir()
    module.write_text(source, encoding="utf-8")
    assert len(violations([module], tmp_path, SHELL_AND_HARNESS)) >= 1


def test_imports_of_the_data_path_and_the_core_are_allowed(tmp_path: Path) -> None:
    module = tmp_path / "edge_uploader" / "uploader.py"
    module.parent.mkdir()
    module.write_text(
        "from edge_uploader.journal import Journal\nfrom . import spool\n"
        "from footage.keys import build_original_key\nimport edge_uploader_extra\n",
        encoding="utf-8",
    )
    assert violations([module], tmp_path, SHELL_AND_HARNESS) == []
