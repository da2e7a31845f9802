"""The folders at the root map into `longcat_evals.*` in editable AND wheel installs."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PACKAGE_DIRS = PYPROJECT["tool"]["setuptools"]["package-dir"]


def _packages_on_disk() -> set[str]:
    found = set()
    for package, folder in PACKAGE_DIRS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            parts = init.parent.relative_to(ROOT / folder).parts
            # Importable only through a chain of packages; task data (a repository inside a task
            # directory, say) may hold __init__.py files without being part of ours.
            chain = [ROOT / folder / Path(*parts[:i]) for i in range(1, len(parts))]
            if not all(p.isidentifier() for p in parts) or not all(
                (d / "__init__.py").is_file() for d in chain
            ):
                continue
            found.add(".".join([package, *parts]))
    return found


def test_every_package_on_disk_is_declared():
    declared = set(PYPROJECT["tool"]["setuptools"]["packages"])
    missing = _packages_on_disk() - declared
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"
    assert not declared - _packages_on_disk(), "declared packages that do not exist"


def test_no_bare_top_level_modules_are_installed():
    assert set(PACKAGE_DIRS) == {"longcat_evals"} | {
        f"longcat_evals.{name}"
        for name in ("evals", "tasks", "sandboxes", "model_adapter", "results")
    }


def _source_copy(destination: Path) -> Path:
    """The project's files (tracked and not ignored) copied out, so that building a wheel leaves
    no build/ or *.egg-info in the checkout (an egg-info there shadows the editable install's
    entry points for any Python started in the repository root)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


@pytest.mark.slow
def test_wheel_holds_code_and_data(tmp_path):
    source = _source_copy(tmp_path / "src")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(tmp_path / "dist"), str(source)],
        check=True, capture_output=True,
    )  # fmt: skip
    [wheel] = (tmp_path / "dist").glob("longcat_evals-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "longcat_evals/evals/smoke/task.py" in names
    assert "longcat_evals/sandboxes/recipes/base.Dockerfile" in names
    assert not any(name.startswith(("evals/", "tasks/", "results/")) for name in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[inspect_ai]" in text and "longcat_evals._registry" in text
