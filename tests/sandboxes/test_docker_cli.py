"""The one docker CLI runner: text output, timeouts, and one error naming the failed command."""

from __future__ import annotations

import os
import shutil

import pytest

from longcat_evals.sandboxes.docker_cli import DockerError, DockerTimeout, docker, succeeds
from longcat_evals.sandboxes.errors import SandboxSetupError

needs_cli = pytest.mark.skipif(shutil.which("docker") is None, reason="no docker CLI on PATH")


def test_a_missing_cli_is_one_error_naming_the_command(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path)}  # a PATH without docker
    with pytest.raises(DockerError) as caught:
        docker("image", "ls", env=env)
    assert isinstance(caught.value, SandboxSetupError)
    assert str(caught.value) == "`docker image ls`: the docker CLI is not installed (not on PATH)"


@needs_cli
def test_output_is_captured_as_text():
    done = docker("--version")
    assert done.returncode == 0 and done.stdout.startswith("Docker version")


@needs_cli
def test_check_raises_with_dockers_last_line_and_the_exit_status():
    with pytest.raises(DockerError) as caught:
        docker("image", "inspect", "--format", "{{.Id}}", "longcat-evals/absent:none", check=True)
    error = caught.value
    assert error.returncode not in (None, 0)
    assert str(error).startswith("`docker image inspect --format …`: ")
    assert error.reason and "\n" not in error.reason
    assert not succeeds("image", "inspect", "longcat-evals/absent:none")


@pytest.mark.docker
def test_a_timeout_kills_the_command_and_says_so():
    # `docker events` streams from the engine until stopped: it outlives any short timeout.
    with pytest.raises(DockerTimeout, match=r"^`docker events`: timed out after 0.5 s$"):
        docker("events", timeout=0.5)


@needs_cli
def test_output_can_go_to_a_log_file(tmp_path):
    log = tmp_path / "build.log"
    with open(log, "w") as handle:
        done = docker("--version", output=handle)
    assert done.stdout is None and log.read_text().startswith("Docker version")
