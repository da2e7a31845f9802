"""Eval scripts in the layout swebench 5.x grades, for datasets that do not ship one.

The official harness runs the instance's `eval_script` after applying the model patch: it resets
the files the test patch touches to base_commit (so edits the agent made to them do not count),
applies the test patch, prints the test output between `>>>>> Start Test Output` and
`>>>>> End Test Output`, and resets the test files again. `make_test_spec` later inserts the
line that records the test command's exit status. Local instances get the same script shape.
"""

from __future__ import annotations

import shlex

from swebench.harness.constants import END_TEST_OUTPUT, START_TEST_OUTPUT

HEREDOC = "EOF_LONGCAT_TEST_PATCH"


def local_eval_script(
    *,
    workdir: str,
    base_commit: str,
    test_patch: str,
    test_files_existing: list[str],
    test_files_new: list[str],
    test_cmd: str,
) -> str:
    """The eval script of a local instance (bash, `set -uxo pipefail` like the official ones)."""
    if HEREDOC in test_patch:
        raise ValueError(f"test patch contains the heredoc marker {HEREDOC}")
    reset = []
    if test_files_existing:
        files = " ".join(shlex.quote(f) for f in test_files_existing)
        reset.append(f"git checkout {base_commit} -- {files}")
    if test_files_new:
        reset.append("rm -f " + " ".join(shlex.quote(f) for f in test_files_new))
    patch_body = test_patch if test_patch.endswith("\n") else test_patch + "\n"
    lines = [
        "#!/bin/bash",
        "set -uxo pipefail",
        f"cd {shlex.quote(workdir)}",
        "git config --global --add safe.directory '*'",
        *reset,
        f"git apply --verbose - <<'{HEREDOC}'\n{patch_body}{HEREDOC}",
        f": '{START_TEST_OUTPUT}'",
        test_cmd,
        f": '{END_TEST_OUTPUT}'",
        *reset,
    ]
    return "\n".join(lines) + "\n"


def pro_entry_script(
    *,
    workdir: str,
    base_commit: str,
    before_repo_set_cmd: str,
    selected_test_files: list[str],
    env_exports: list[str],
) -> str:
    """SWE-bench Pro's entry script (as its evaluator builds it), reading /workspace files.

    Line for line `create_entryscript` of the Pro repository's `swe_bench_pro_eval.py`, the
    test files unquoted as there (comma-joined paths; the run script splits them).
    """
    last_setup_line = before_repo_set_cmd.strip().split("\n")[-1] if before_repo_set_cmd else ""
    tests = ",".join(selected_test_files)
    return "\n".join(
        [
            *env_exports,
            f"cd {shlex.quote(workdir)}",
            f"git reset --hard {base_commit}",
            f"git checkout {base_commit}",
            "git apply -v /workspace/patch.diff",
            last_setup_line,
            f"bash /workspace/run_script.sh {tests} "
            "> /workspace/stdout.log 2> /workspace/stderr.log",
            "python /workspace/parser.py /workspace/stdout.log /workspace/stderr.log "
            "/workspace/output.json",
        ]
    )
