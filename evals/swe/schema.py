"""One instance schema for every SWE-style dataset.

It is swebench 5.x's instance (the fields `swebench.harness.utils.make_test_spec` reads:
instance_id, repo, version, image, eval_script, log_parser, eval_type, FAIL_TO_PASS,
PASS_TO_PASS) plus what an agent run and an offline build need: the problem statement, the gold
patch and test patch, the language, the working directory inside the image, and, for datasets
without prebuilt images, a local environment recipe. SWE-bench Pro's different grading (a run
script and an output parser from the Pro repository) is carried by `pro`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from longcat_evals.errors import UserFacingError

LANGUAGES = ("python", "javascript", "typescript", "go", "rust", "java", "c", "cpp", "php", "ruby")
DEFAULT_WORKDIR = "/testbed"


class InstanceError(UserFacingError):
    """A dataset row that cannot become an instance; the message names instance and field."""


class LocalEnvironment(BaseModel):
    """How to build an instance image offline on one of the project's toolchain images."""

    model_config = ConfigDict(extra="forbid")

    toolchain: Literal["python", "node", "go", "rust", "java", "c"]
    """Toolchain image (`longcat_evals.sandboxes.images.ensure_toolchain`) the image starts FROM."""
    repo_source: str
    """The repository: a git bundle (`*.bundle`) or a directory holding a git repository;
    relative paths are resolved against the dataset file's folder."""
    setup: list[str] = Field(default_factory=list)
    """Shell commands run in the repository at image build time (compile, warm caches)."""
    test_cmd: str
    """The instance's own test command, run in the repository by the eval script."""


class ProGrading(BaseModel):
    """SWE-bench Pro's grading inputs (the entry script of the Pro repository's evaluator)."""

    model_config = ConfigDict(extra="forbid")

    run_script: str
    """`run_scripts/<instance_id>/run_script.sh` of the Pro checkout."""
    parser_script: str
    """`run_scripts/<instance_id>/parser.py` of the Pro checkout (writes output.json)."""
    before_repo_set_cmd: str
    """The row's `before_repo_set_cmd`; its last line runs after the patch is applied."""
    selected_test_files: list[str]
    """The row's `selected_test_files_to_run`, passed to the run script comma-joined."""
    env_exports: list[str] = Field(default_factory=list)
    """`ENV` lines of the instance's Dockerfiles, as `export` statements."""


class SweInstance(BaseModel):
    """One SWE-style task instance (swebench 5.x fields plus what offline runs need)."""

    model_config = ConfigDict(extra="forbid")

    instance_id: str = Field(min_length=1)
    repo: str = Field(min_length=1)
    base_commit: str = Field(min_length=4)
    problem_statement: str = Field(min_length=1)
    patch: str
    """The gold patch (the oracle agent applies it; never shown to other agents)."""
    test_patch: str
    """Tests that grade the instance; applied only in the grading container."""
    FAIL_TO_PASS: list[str]
    PASS_TO_PASS: list[str]
    language: str
    version: str = ""
    image: str
    """The instance image: prebuilt (official naming) or the tag a local build produces."""
    eval_script: str = ""
    """swebench 5.x eval script (applies test_patch, runs tests between the output markers)."""
    log_parser: str = ""
    """A key of `swebench.harness.log_parsers.PARSER_REGISTRY` (empty for Pro)."""
    eval_type: Literal["pass_and_fail", "fail_only"] = "pass_and_fail"
    workdir: str = DEFAULT_WORKDIR
    hints_text: str = ""
    environment: LocalEnvironment | None = None
    pro: ProGrading | None = None

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        value = value.strip().lower()
        aliases = {"js": "javascript", "ts": "typescript", "golang": "go", "c++": "cpp"}
        value = aliases.get(value, value)
        if value not in LANGUAGES:
            raise ValueError(f"unknown language '{value}' (known: {', '.join(LANGUAGES)})")
        return value

    @field_validator("patch", "test_patch")
    @classmethod
    def _is_diff(cls, value: str) -> str:
        if value and "diff --git" not in value and not value.lstrip().startswith("---"):
            raise ValueError("not a unified diff (no 'diff --git' or '---' header)")
        return value

    def test_files(self) -> list[str]:
        """Files the test patch touches (reset before it is applied; edits to them are flagged)."""
        return patch_files(self.test_patch)


@dataclass
class LoadFailure:
    """A row that could not be turned into a runnable instance: it errors only its own sample."""

    instance_id: str
    """The row's instance id, else its place in the dataset (`export.jsonl:3`)."""
    message: str
    """The one-line error naming the file and line (or row), the instance and the field."""


Loaded = SweInstance | LoadFailure


def patch_files(diff: str) -> list[str]:
    """Paths a unified diff touches (b/ side, or a/ side for deletions), in order."""
    files: list[str] = []
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            parts = line.split(" b/", 1)
            if len(parts) == 2 and parts[1] not in files:
                files.append(parts[1])
    return files


def build_instance(fields: dict, source: str) -> SweInstance:
    """Validate FIELDS into an instance; any problem is one line naming instance and field."""
    instance_id = str(fields.get("instance_id") or "?")
    try:
        return SweInstance.model_validate(fields)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "row"
        what = "missing" if first["type"] == "missing" else first["msg"]
        raise InstanceError(f"{source}: instance {instance_id}: field {where}: {what}") from None
