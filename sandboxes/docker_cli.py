"""The one place the project runs the docker CLI.

Docker is driven through its CLI, as Inspect's docker sandbox drives it (`docker compose ...`);
the `docker` Python SDK is not used. Every call goes through `docker(...)`: output captured as
text, an optional timeout, and one error type that names the command.
"""

from __future__ import annotations

import subprocess
from typing import IO

from longcat_evals.sandboxes.errors import SandboxSetupError


class DockerError(SandboxSetupError):
    """A docker command that could not run, failed (with `check=True`) or timed out."""

    def __init__(self, command: list[str], reason: str, returncode: int | None = None) -> None:
        self.command, self.reason, self.returncode = command, reason, returncode
        super().__init__(f"`{' '.join(command[:4])}{' …' if len(command) > 4 else ''}`: {reason}")


class DockerTimeout(DockerError):
    """A docker command that ran past its timeout (it was killed)."""


def last_line(done: subprocess.CompletedProcess) -> str:
    """The last line docker printed on stderr, else on stdout, else ''."""
    for stream in (done.stderr, done.stdout):
        lines = (stream or "").strip().splitlines()
        if lines:
            return lines[-1].strip()
    return ""


def docker(
    *args: str,
    timeout: float | None = None,
    check: bool = False,
    env: dict[str, str] | None = None,
    stdin: IO | None = None,
    output: IO | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `docker ARGS...`; its stdout and stderr captured as text (or both to OUTPUT).

    Args:
        *args: The docker sub-command and its arguments.
        timeout: Seconds before the command is killed (`DockerTimeout`); None: no limit.
        check: Raise `DockerError` (with docker's last line) when the exit status is not 0.
        env: The environment of the command (default: this process's).
        stdin: What the command reads (e.g. a pipe from `tar`).
        output: A file that receives stdout and stderr together (a build log) instead.
    """
    command = ["docker", *args]
    streams = (
        {"stdout": output, "stderr": subprocess.STDOUT}
        if output is not None
        else {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    )
    try:
        done = subprocess.run(
            command, stdin=stdin, text=True, errors="replace", timeout=timeout, env=env, **streams
        )
    except FileNotFoundError as e:
        raise DockerError(command, "the docker CLI is not installed (not on PATH)") from e
    except subprocess.TimeoutExpired as e:
        raise DockerTimeout(command, f"timed out after {timeout:g} s") from e
    if check and done.returncode != 0:
        reason = last_line(done) or f"exit status {done.returncode}"
        raise DockerError(command, reason, done.returncode)
    return done


def succeeds(*args: str, timeout: float | None = None) -> bool:
    """Whether `docker ARGS...` exits 0 (a missing CLI or a timeout counts as no)."""
    try:
        return docker(*args, timeout=timeout).returncode == 0
    except DockerError:
        return False
