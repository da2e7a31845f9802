"""Foreign task formats (read leniently) and the one normalised task the rest of the family uses.

- Harbor / Terminal-Bench 2.x: `task.toml` ([metadata], [agent], [verifier], [solution],
  [environment]); unknown keys are ignored, as Harbor ignores them.
- Terminal-Bench 1.x: `task.yaml` (instruction or descriptions, difficulty, category, tags,
  parser_name, max_agent_timeout_sec, max_test_timeout_sec, ...); unknown keys ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Defaults of the originals when a task leaves a field out.
HARBOR_AGENT_TIMEOUT_SEC = 600.0
HARBOR_VERIFIER_TIMEOUT_SEC = 600.0
BUILD_TIMEOUT_SEC = 600.0
TB1_AGENT_TIMEOUT_SEC = 360.0
TB1_TEST_TIMEOUT_SEC = 60.0

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_MB_PER_UNIT = {"": 1 / (1024 * 1024), "k": 1 / 1024, "m": 1, "g": 1024, "t": 1024 * 1024}


def size_mb(value: int | float | str | None) -> int | None:
    """'4G' -> 4096, '512M' -> 512, 2048 (already MiB) -> 2048; raises ValueError otherwise."""
    if value is None or isinstance(value, int | float):
        return None if value is None else int(value)
    match = _SIZE.match(value)
    if not match:
        raise ValueError(f"unreadable size {value!r} (expected e.g. '2G' or '512M')")
    number, unit = float(match.group(1)), match.group(2).lower()
    if unit == "":  # a bare number in a string: bytes, as Docker reads it
        return max(1, int(number * _MB_PER_UNIT[""]))
    return int(number * _MB_PER_UNIT[unit])


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class HarborTimeout(_Lenient):
    timeout_sec: float | None = None
    env: dict[str, str] = Field(default_factory=dict)

    @field_validator("env", mode="before")
    @classmethod
    def _str_env(cls, value: Any) -> Any:
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else value


class HarborEnvironment(_Lenient):
    build_timeout_sec: float | None = None
    docker_image: str | None = None
    cpus: float | None = None
    memory_mb: int | None = None
    memory: str | int | None = None
    storage_mb: int | None = None
    storage: str | int | None = None
    allow_internet: bool | None = None


class HarborConfig(_Lenient):
    version: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    agent: HarborTimeout = Field(default_factory=HarborTimeout)
    verifier: HarborTimeout = Field(default_factory=HarborTimeout)
    solution: HarborTimeout = Field(default_factory=HarborTimeout)
    environment: HarborEnvironment = Field(default_factory=HarborEnvironment)


class TB1Description(_Lenient):
    key: str = "base"
    description: str


class TB1Config(_Lenient):
    instruction: str | None = None
    descriptions: list[TB1Description] | None = None
    author_email: str | None = None
    difficulty: str | None = None
    category: str | None = None
    tags: list[str] = Field(default_factory=list)
    parser_name: str = "pytest"
    max_agent_timeout_sec: float | None = None
    max_test_timeout_sec: float | None = None
    run_tests_in_same_shell: bool | None = None
    disable_asciinema: bool | None = None
    estimated_duration_sec: float | None = None


@dataclass
class TerminalTask:
    """One task, whichever format it came in; paths point into the task directory."""

    id: str
    path: Path
    format: Literal["harbor", "tb1"]
    instruction: str
    category: str | None = None
    difficulty: str | None = None
    tags: list[str] = field(default_factory=list)
    agent_timeout_sec: float = HARBOR_AGENT_TIMEOUT_SEC
    verifier_timeout_sec: float = HARBOR_VERIFIER_TIMEOUT_SEC
    build_timeout_sec: float = BUILD_TIMEOUT_SEC
    cpus: float | None = None
    memory_mb: int | None = None
    storage_mb: int | None = None
    allow_internet: bool = False
    docker_image: str | None = None
    """A prebuilt image named by the task (Harbor `environment.docker_image`)."""
    dockerfile: Path | None = None
    compose_file: Path | None = None
    context: Path | None = None
    tests_dir: Path | None = None
    test_script: Path | None = None
    """The script run at verification, copied to /tests/<name> with the tests."""
    solution_dir: Path | None = None
    solution_script: str | None = None
    """Harbor: solve.sh under solution_dir; 1.x: the shell text (solution.sh or solution.yaml)."""
    verifier_env: dict[str, str] = field(default_factory=dict)
    solution_env: dict[str, str] = field(default_factory=dict)
    parser: Literal["reward_file", "pytest", "swebench"] = "reward_file"
    problems: list[str] = field(default_factory=list)
    """Non-fatal oddities the loader noticed (printed, kept in metadata)."""
