"""`longcat-evals validate terminal`: needs per phase and host, what satisfies each, summary."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from longcat_evals.cli import main
from longcat_evals.evals.terminal import image_map
from longcat_evals.evals.terminal.check import check

FIXTURES = Path(__file__).parent / "fixtures"
MAPS = [(image_map.load_map(image_map.BUILTIN_MAP), "built-in")]
HERE = {"pypi.org", "deb.debian.org", "registry.npmjs.org"}  # what answers on the CI machines


def _rows(path, answers=HERE.__contains__, local=lambda ref: False):
    return {row.id: row for row in check(path, MAPS, answers=answers, local=local)}


def _needs(row, phase):
    return [(n.host, n.met_by) for n in row.phase(phase)]


def test_tb2_shaped_tasks_are_runnable_offline_here():
    rows = _rows(FIXTURES / "tb2")
    plain, stage = rows["tb2-uv-pytest"], rows["tb2-uv-stage"]
    assert plain.environment == "Dockerfile build"  # the prebuilt image is not to be had
    assert _needs(plain, "build")[:2] == [
        ("registry-1.docker.io", "Dockerfile build instead"),
        ("registry-1.docker.io", "stand-in python (Debian trixie)"),
    ]
    assert ("deb.debian.org", "deb.debian.org answers at build") in _needs(plain, "build")
    assert _needs(plain, "verify") == [
        ("deb.debian.org", "baked at build"),
        ("astral.sh", "uv stand-in (PyPI uv wheel)"),
        ("pypi.org", "uv cache warmed at build"),
    ]
    assert ("ghcr.io", "stand-in uv") in _needs(stage, "build")
    assert _needs(stage, "agent") == [("*", "offline run: the agent has the image only")]
    assert plain.runnable_offline and stage.runnable_offline and stage.oracle_offline


def test_unreachable_hosts_and_wrong_python_are_unmet():
    rows = _rows(FIXTURES / "tb2", answers=lambda host: False)  # not even PyPI answers
    assert not rows["tb2-uv-pytest"].runnable_offline
    assert {n.host for n in rows["tb2-uv-pytest"].unmet("build", "verify")} == {
        "deb.debian.org", "astral.sh", "pypi.org",
    }  # fmt: skip
    network = _rows(FIXTURES)["needs-network"]
    assert [(n.host, n.met_by) for n in network.unmet("verify")] == [
        ("raw.githubusercontent.com", None)
    ]


def test_python_version_the_stand_in_lacks(tmp_path):
    task = tmp_path / "old-python"
    shutil.copytree(FIXTURES / "tb2" / "tb2-uv-pytest", task)
    dockerfile = task / "environment" / "Dockerfile"
    dockerfile.write_text(
        dockerfile.read_text().replace("python:3.13-slim-bookworm", "python:3.11")
    )
    [row] = check(task, MAPS, answers=HERE.__contains__, local=lambda ref: False)
    [uvx] = [n for n in row.phase("verify") if n.host == "pypi.org"]
    assert uvx.met_by is None and "has CPython 3.11, not 3.13" in uvx.what
    assert not row.runnable_offline


def test_prebuilt_image_here_is_the_environment():
    rows = _rows(FIXTURES / "tb2", local=lambda ref: ref.startswith("longcat-evals-fixtures/"))
    row = rows["tb2-uv-pytest"]
    assert row.environment.startswith("prebuilt longcat-evals-fixtures/tb2-uv-pytest:20251031")
    assert _needs(row, "build") == [("registry-1.docker.io", "local copy")]
    [uvx] = [n for n in row.phase("verify") if n.host == "pypi.org"]
    assert "needs CPython 3.13 in the prebuilt image" in uvx.met_by


def test_build_needing_a_stripped_file_is_explained(tmp_path):
    task = tmp_path / "copies-tests"
    shutil.copytree(FIXTURES / "tb1-count-words", task)
    (task / "Dockerfile").write_text("FROM python:3.13\nCOPY tests/ /app/tests/\n")
    (task / "docker-compose.yaml").unlink()
    [row] = check(task, MAPS, answers=HERE.__contains__, local=lambda ref: False)
    [problem] = row.problems
    assert "Dockerfile line 2 `COPY tests/ /app/tests/` needs tests" in problem
    assert "never sees the task's tests or solution" in problem and not row.runnable_offline


def test_cli_prints_phases_hosts_and_summary():
    runner = CliRunner()
    result = runner.invoke(main, ["validate", "terminal", str(FIXTURES)], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    out = result.output
    for column in ("build", "agent", "solution", "verify", "offline here"):
        assert column in out
    assert "raw.githubusercontent.com: NO" in out
    assert "tasks runnable offline here" in out
    assert "Hosts needed that nothing here satisfies: raw.githubusercontent.com (1 task(s))" in out
    builtin = runner.invoke(main, ["validate", "terminal"], env={"COLUMNS": "400"})
    assert builtin.exit_code == 0 and "12/12 tasks runnable offline here" in builtin.output


def test_validate_terminal_reports_broken_tasks(tmp_path):
    shutil.copytree(FIXTURES / "hello-harbor", tmp_path / "ok")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "task.yaml").write_text("instruction: [\n")
    result = CliRunner().invoke(
        main, ["validate", "terminal", str(tmp_path)], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 1
    assert "terminal task 'bad': task.yaml: invalid YAML" in result.output
    assert "1/2 tasks load" in result.output
