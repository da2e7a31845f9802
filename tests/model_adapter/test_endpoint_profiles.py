"""Server profiles: chosen by -M server=, detected from the host or GET /models; what each sends."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from inspect_ai.model import GenerateConfig, get_model

from .endpoint_support import MODEL, run_eval, tool_task
from .longcat_fake_server import MODEL_ID, FakeLongCat, Reply, message


class _Named(FakeLongCat):
    """A loopback server whose GET /models names it the way vLLM/SGLang/llama.cpp do."""

    def __init__(self, owned_by: str) -> None:
        super().__init__()
        self.owned_by = owned_by

    def models_listing(self, path: str):
        if path.rstrip("/").endswith("/models"):
            card = {"id": MODEL_ID, "object": "model", "owned_by": self.owned_by}
            return {"object": "list", "data": [card | {"root": MODEL_ID, "max_model_len": 8192}]}
        return None


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv("LONGCAT_API_KEY", "sk-profile")
    monkeypatch.delenv("LONGCAT_BASE_URL", raising=False)


@pytest.mark.parametrize(
    ("url", "profile", "extra"),
    [
        ("https://api.longcat.chat/openai/v1", "meituan", {"thinking": {"type": "enabled"}}),
        ("https://openrouter.ai/api/v1", "openrouter", {"reasoning": {"enabled": True}}),
    ],
)
def test_public_apis_are_known_by_host(url, profile, extra):
    api = get_model(MODEL, base_url=url, thinking=True, memoize=False).api
    assert api.profile.name == profile and api.profile.detected_from.startswith("host ")
    assert api.completion_params(GenerateConfig(), tools=False)["extra_body"] == extra


@pytest.mark.parametrize(("owned_by", "profile"), [("vllm", "vllm"), ("sglang", "sglang")])
def test_self_hosted_servers_named_by_owned_by(tmp_path, owned_by, profile):
    with _Named(owned_by) as server:
        server.push(
            Reply(message=message("", tool_calls=[("add", {"x": 1, "y": 2})])),
            Reply(message=message("The answer is 3.")),
        )
        config = {"chat_template_kwargs": {"reasoning_budget": 64}}
        log = run_eval(tool_task(), server.base_url, tmp_path, thinking=False)
        bodies = server.completions()
        api = get_model(MODEL, base_url=server.base_url, thinking=True, memoize=False).api
        assert asyncio.run(api.start()).name == profile
        params = api.completion_params(GenerateConfig(extra_body=config), tools=False)
    assert log.samples[0].error is None
    assert all(b["chat_template_kwargs"] == {"enable_thinking": False} for b in bodies)
    [call] = [m for m in bodies[1]["messages"] if m["role"] == "assistant"][0]["tool_calls"]
    assert json.loads(call["function"]["arguments"]) == {"x": 1, "y": 2}
    tool_msg = bodies[1]["messages"][-1]
    assert tool_msg["role"] == "tool" and tool_msg["name"] == "add"  # their schemas have it
    # a chat_template_kwargs of the user's own is kept, the switch added to it
    assert params["extra_body"]["chat_template_kwargs"] == {
        "reasoning_budget": 64,
        "enable_thinking": True,
    }


@pytest.mark.parametrize("owned_by", ["llamacpp", "me", "openai"])
def test_other_servers_get_the_generic_profile(owned_by):
    with _Named(owned_by) as server:
        api = get_model(MODEL, base_url=server.base_url, memoize=False).api
        profile = asyncio.run(api.start())
    assert profile.name == "generic" and not profile.arguments_as_object


def test_explicit_server_wins_over_detection(tmp_path):
    with _Named("vllm") as server:
        server.push(
            Reply(message=message("", tool_calls=[("add", {"x": 1, "y": 2})])),
            Reply(message=message("3")),
        )
        log = run_eval(tool_task(), server.base_url, tmp_path, server="meituan", thinking=True)
        bodies = server.completions()
    assert log.samples[0].error is None
    assert bodies[0]["thinking"] == {"type": "enabled"} and "chat_template_kwargs" not in bodies[0]
    [asst] = [m for m in bodies[1]["messages"] if m["role"] == "assistant"]
    assert asst["tool_calls"][0]["function"]["arguments"] == {"x": 1, "y": 2}


def test_bad_thinking_value_from_inspect_cli_is_one_line(tmp_path: Path):
    task_file = tmp_path / "one.py"
    task_file.write_text(
        "from inspect_ai import Task, task\nfrom inspect_ai.dataset import Sample\n"
        "@task\ndef one():\n    return Task(dataset=[Sample(input='1+2?', target='3')])\n"
    )
    cmd = [str(Path(sys.executable).with_name("inspect")), "eval", task_file.name]
    cmd += ["--model", MODEL, "--model-base-url", "http://127.0.0.1:9/v1", "-M", "thinking=maybe"]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "COLUMNS": "300"}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=env, cwd=tmp_path)
    both = done.stdout + done.stderr
    assert "Traceback" not in both
    assert "-M thinking='maybe': expected true or false" in both
    assert len([line for line in both.splitlines() if line.strip()]) <= 3
