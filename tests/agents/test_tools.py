"""Shared agents: names, truncation (no containers)."""

from __future__ import annotations

import pytest

from longcat_evals.evals.agents import AGENT_NAMES, resolve_agent
from longcat_evals.evals.agents.mini import _BLOCK, COMPLETE_MARKER, observation
from longcat_evals.evals.agents.tools import truncate
from longcat_evals.evals.options import OptionError


def test_truncate_keeps_head_and_tail():
    text = "a" * 500 + "MIDDLE" + "z" * 500
    out = truncate(text, 100)
    assert out.startswith("a" * 50) and out.endswith("z" * 50)
    assert "[... 906 characters truncated" in out and "MIDDLE" not in out
    assert truncate("short", 100) == "short"


def test_resolve_agent_names_and_errors():
    assert AGENT_NAMES == ("default", "mini", "oracle", "null")
    for name in ("default", "mini", "null", None):  # None: `-T agent=null` read as YAML
        assert callable(resolve_agent(name, command_timeout_sec=5))
    marker = object()
    assert resolve_agent("oracle", oracle=marker) is marker
    with pytest.raises(
        OptionError, match=r"agent 'oracle' is not available here \(valid: default, mini, null\)"
    ):
        resolve_agent("oracle")
    with pytest.raises(OptionError, match=r"unknown agent 'smart' \(valid: default, mini, null\)"):
        resolve_agent("smart")


def test_mini_parses_exactly_fenced_blocks():
    reply = "THOUGHT: list files\n```bash\nls -la\n```\n"
    assert _BLOCK.findall(reply) == ["ls -la"]
    assert len(_BLOCK.findall("```bash\na\n```\n```sh\nb\n```")) == 2
    assert _BLOCK.findall("no block here") == []
    assert "<returncode>0</returncode>" in observation(0, "x" * 50, 10)
    assert COMPLETE_MARKER == "COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT"
