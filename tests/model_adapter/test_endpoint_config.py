"""Provider configuration: base URL, OpenRouter's thinking field, model info, the CLI path."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from inspect_ai.log import read_eval_log
from inspect_ai.model import GenerateConfig, get_model, get_model_info
from inspect_ai.model._model_info import get_model_input_tokens

from longcat_evals.errors import UserFacingError

from .longcat_fake_server import FakeLongCat, Reply, message

MODEL = "longcat/LongCat-2.0"


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv("LONGCAT_API_KEY", "sk-config-key")
    monkeypatch.delenv("LONGCAT_BASE_URL", raising=False)


def test_default_base_url_is_meituan():
    model = get_model(MODEL, memoize=False)
    assert str(model.api.base_url) == "https://api.longcat.chat/openai/v1"


def test_base_url_from_environment(monkeypatch):
    monkeypatch.setenv("LONGCAT_BASE_URL", "http://127.0.0.1:5/v1")
    assert str(get_model(MODEL, memoize=False).api.base_url) == "http://127.0.0.1:5/v1"


def test_openrouter_gets_reasoning_field_and_own_key(monkeypatch):
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or")
    model = get_model(
        "longcat/meituan/longcat-2.0",
        base_url="https://openrouter.ai/api/v1",
        api_key_env="OPENROUTER_API_KEY",
        thinking=True,
        memoize=False,
    )
    params = model.api.completion_params(GenerateConfig(), tools=False)
    assert params["model"] == "meituan/longcat-2.0"
    assert params["extra_body"] == {"reasoning": {"enabled": True}}
    assert model.api.api_key == "sk-or"


def test_openrouter_without_key_is_one_clear_line(monkeypatch):
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    with pytest.raises(Exception, match="No OPENROUTER_API_KEY in the environment"):
        get_model(
            "longcat/meituan/longcat-2.0",
            base_url="https://openrouter.ai/api/v1",
            api_key_env="OPENROUTER_API_KEY",
            memoize=False,
        )


def test_bad_thinking_value():
    with pytest.raises(UserFacingError, match="-M thinking='maybe': expected true or false"):
        get_model(MODEL, thinking="maybe", memoize=False)


def test_unknown_model_arg_is_one_line():
    with pytest.raises(UserFacingError, match="-M thinkng=...: not an option of the longcat"):
        get_model(MODEL, thinkng=True, memoize=False)


def test_bad_server_value():
    with pytest.raises(UserFacingError, match="-M server='llamacpp': expected one of auto"):
        get_model(MODEL, server="llamacpp", memoize=False)


def test_user_extra_body_thinking_wins():
    model = get_model(MODEL, thinking=True, memoize=False)
    config = GenerateConfig(extra_body={"thinking": {"type": "disabled"}})
    assert model.api.completion_params(config, tools=False)["extra_body"] == {
        "thinking": {"type": "disabled"}
    }


@pytest.mark.parametrize(("effort", "expected"), [("none", "disabled"), ("high", "enabled")])
def test_reasoning_effort_maps_to_thinking(effort, expected):
    model = get_model(MODEL, memoize=False)
    params = model.api.completion_params(GenerateConfig(reasoning_effort=effort), tools=False)
    assert "reasoning_effort" not in params
    assert params["extra_body"] == {"thinking": {"type": expected}}


def test_context_window_and_prices_known_to_inspect():
    model = get_model(MODEL, price_input=1.0, price_output=4.0, memoize=False)
    info = get_model_info(model)
    assert info.context_length == 1_048_576 and info.output_tokens == 131_072
    assert (info.cost.input, info.cost.output) == (1.0, 4.0)
    assert get_model_input_tokens(model) == 1_048_576


def test_inspect_cli_eval(tmp_path: Path):
    task_file = tmp_path / "cli_task.py"
    task_file.write_text(
        textwrap.dedent(
            """
            from inspect_ai import Task, task
            from inspect_ai.dataset import Sample
            from inspect_ai.scorer import includes

            @task
            def cli_task():
                return Task(dataset=[Sample(input="1+2?", target="3")], scorer=includes())
            """
        )
    )
    with FakeLongCat(api_key="sk-config-key") as server:
        server.push(Reply(status=503), Reply(message=message("3", reasoning="1+2")))
        cmd = [
            str(Path(sys.executable).with_name("inspect")),
            "eval",
            task_file.name,
            "--model",
            MODEL,
            "--model-base-url",
            server.base_url,
            "-M",
            "thinking=true",
            "-M",
            "retry_backoff_s=0.01",
            "--log-dir",
            str(tmp_path / "logs"),
            "--display",
            "plain",
        ]
        env = {"LONGCAT_API_KEY": "sk-config-key", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=180, env=env, cwd=tmp_path
        )
        bodies = server.completions()
    assert done.returncode == 0, done.stderr[-2000:]
    # a loopback server that names no known server in GET /models gets the generic profile
    assert len(bodies) == 2 and bodies[1]["chat_template_kwargs"] == {"enable_thinking": True}
    assert "thinking" not in bodies[1]
    [log_file] = (tmp_path / "logs").glob("*.eval")
    log = read_eval_log(str(log_file))
    # the task's scorer is Inspect's includes(), whose metric is accuracy
    assert log.status == "success" and log.results.scores[0].metrics["accuracy"].value == 1.0
