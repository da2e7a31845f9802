"""The folders at the root map into `longcat_evals.*` in editable AND wheel installs."""

from __future__ import annotations

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
            if any(part.startswith(".") or part == "__pycache__" for part in parts):
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


@pytest.mark.slow
def test_wheel_holds_code_and_data(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    [wheel] = tmp_path.glob("longcat_evals-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "longcat_evals/evals/smoke/task.py" in names
    assert "longcat_evals/sandboxes/recipes/base.Dockerfile" in names
    assert not any(name.startswith(("evals/", "tasks/", "results/")) for name in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[inspect_ai]" in text and "longcat_evals._registry" in text
