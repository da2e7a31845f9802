"""Malformed options give one clear line (LongContextError), also through `inspect eval`."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from longcat_evals.errors import UserFacingError
from longcat_evals.evals.long_context.errors import LongContextError
from longcat_evals.evals.long_context.task import mrcr, niah, repo_retrieval, ruler

VENV_BIN = Path(__file__).resolve().parents[2] / ".venv" / "bin"


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda: ruler(families="niah_single_1,needle_soup"), "Unknown RULER family 'needle_soup'"),
        (lambda: niah(lengths="2m"), "Length 2097152 is above the window"),
        (lambda: niah(lengths="4k,1m", window="512k"), "Length 1048576 is above the window"),
        (
            lambda: niah(lengths="4k", tokenizer="/nonexistent/tokenizer.json"),
            "Tokenizer file not found: /nonexistent/tokenizer.json",
        ),
        (lambda: niah(lengths="4q"), "Bad length '4q'"),
        (lambda: niah(lengths="4k", depths="50,150"), "Depth 150 is outside 0-100"),
        (lambda: niah(lengths="100"), "Length 100 is too short"),
        (
            lambda: niah(agent="genius", lengths="4k"),
            "niah: unknown agent 'genius' (valid: default, oracle, null)",
        ),
        (
            lambda: niah(agent="mini", lengths="4k"),
            "niah: agent 'mini' is not available here (valid: default, oracle, null)",
        ),
        (lambda: mrcr(needles="3", lengths="8k"), "mrcr: unknown needle count 3 (valid: 2, 4, 8)"),
        (
            lambda: repo_retrieval(kinds="grep", lengths="8k"),
            "repo_retrieval: unknown kind 'grep' (valid: function, trace)",
        ),
        (lambda: ruler(match="some", lengths="4k"), "ruler: unknown match 'some' (valid: fraction"),
        (
            lambda: niah(lenghts="4k"),
            "niah: unknown option -T lenghts (valid: depths, agent, lengths,",
        ),
        (lambda: niah(seeds="a,b"), "Option seeds='a,b' is not a comma-separated list of int"),
        (
            lambda: niah(depths="half"),
            "Option depths='half' is not a comma-separated list of float",
        ),
        (lambda: mrcr(needles="two"), "Option needles='two' is not a comma-separated list of int"),
        (lambda: niah(control="yes"), "niah: bad option -T control='yes': input should be a valid"),
        (lambda: niah(answer_tokens=0), "niah: bad option -T answer_tokens=0: input should be"),
        (lambda: niah(lengths=3.5), "niah: bad option -T lengths=3.5: expected int | str"),
        (lambda: niah(window="8k", lengths="16k,32k"), "Length 16384 is above the window"),
    ],
)
def test_one_line_errors(make, needle):
    with pytest.raises(UserFacingError) as info:
        make()
    message = str(info.value)
    assert needle in message
    assert "\n" not in message


def test_bad_tokenizer_file(tmp_path):
    bad = tmp_path / "tokenizer.json"
    bad.write_text("{not json")
    with pytest.raises(LongContextError, match="is not a valid tokenizer.json"):
        niah(lengths="4k", tokenizer=str(bad))


def test_default_lengths_above_the_window_are_skipped_with_a_reason():
    task = niah(agent="oracle", window="8k", depths="50")
    assert task.metadata["lengths"] == [4096, 8192]
    skipped = task.metadata["skipped_lengths"]
    assert [s["length"] for s in skipped] == [4096 * 2**i for i in range(2, 9)]
    assert "does not fit the window of 8192 tokens" in skipped[0]["reason"]


@pytest.mark.slow
def test_inspect_cli_prints_one_line_not_a_traceback(tmp_path):
    result = subprocess.run(
        [
            str(VENV_BIN / "inspect"),
            "eval",
            "longcat_evals/ruler",
            "--model",
            "mockllm/model",
            "-T",
            "families=needle_soup",
            "--log-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Unknown RULER family 'needle_soup'" in output
    assert "Traceback" not in output


def test_plot_refuses_a_log_of_another_task(tmp_path):
    from inspect_ai import Task
    from inspect_ai import eval as inspect_eval
    from inspect_ai.dataset import Sample

    (log,) = inspect_eval(
        Task(dataset=[Sample(input="hi", target="x")], name="other"),
        model="mockllm/model",
        log_dir=str(tmp_path),
        display="none",
    )
    result = subprocess.run(
        [str(VENV_BIN / "longcat-evals"), "plot", "long-context", log.location],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    assert "not of a long-context task" in result.stderr
    assert "Traceback" not in result.stderr
