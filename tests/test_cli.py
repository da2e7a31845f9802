"""The project's CLI as a user runs it (real engine, real images)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CLI = str(Path(sys.executable).parent / "longcat-evals")


def _cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=600, check=check)


@pytest.mark.docker
def test_setup_twice_builds_nothing_the_second_time(docker_engine):
    _cli("setup")
    second = _cli("setup")
    assert "Images: 0 built" in second.stderr


@pytest.mark.docker
def test_doctor_reports_a_healthy_engine(docker_engine):
    result = _cli("doctor", check=False)
    assert result.returncode == 0, result.stdout
    for check in ("docker engine", "docker compose", "base image", "CA bundle", "GPU"):
        assert check in result.stdout


@pytest.mark.docker
def test_images_prune_removes_stale_recipe_tags_only(base_image):
    stale = "longcat-evals/base:000000000000"
    subprocess.run(["docker", "tag", base_image, stale], check=True)
    result = _cli("images", "prune")
    assert stale in result.stderr
    listed = _cli("images", "list").stdout
    assert base_image.split(":")[1] in listed and "000000000000" not in listed


@pytest.mark.docker
def test_table_of_a_log_dir(docker_engine, tmp_path):
    subprocess.run(
        [str(Path(sys.executable).parent / "inspect"), "eval", "longcat_evals/sandbox_smoke",
         "-T", "agent=oracle", "--model", "mockllm/model", "--log-dir", str(tmp_path),
         "--display", "none"],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    table = _cli("table", str(tmp_path), "--markdown").stdout
    assert "| sandbox_smoke | oracle | mockllm/model | 4 | 100.0 |" in table


def test_unknown_suite_is_one_line():
    result = _cli("demo", "--suite", "nope", check=False)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: Unknown suite 'nope' (known: smoke")
