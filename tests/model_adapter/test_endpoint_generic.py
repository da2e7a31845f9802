"""The generic profile against a server that validates requests as strictly as llama.cpp's.

StrictOpenAIServer (strict_openai_server.py) checks every request body against the `openai`
package's request schema and answers like llama-cpp-python (500 on a schema violation, an empty
200 stream for streaming with tool_choice auto, no usage chunk in streams).
"""

from __future__ import annotations

import json

import pytest
from inspect_ai import Task
from inspect_ai.dataset import Sample
from inspect_ai.scorer import includes
from inspect_ai.solver import generate, use_tools
from inspect_ai.tool import tool

from .endpoint_support import run_eval, tool_task
from .longcat_fake_server import Reply, message
from .strict_openai_server import StrictOpenAIServer, schema_errors

KV_CALL = (
    "<longcat_tool_call>add<longcat_arg_key>x</longcat_arg_key>"
    "<longcat_arg_value>3</longcat_arg_value><longcat_arg_key>y</longcat_arg_key>"
    "<longcat_arg_value>0</longcat_arg_value></longcat_tool_call>"
)
JSON_CALL = '<longcat_tool_call>{"name": "add", "arguments": {"x": 0, "y": 3}}</longcat_tool_call>'


@pytest.fixture
def strict():
    with StrictOpenAIServer() as srv:
        yield srv


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.delenv("LONGCAT_API_KEY", raising=False)
    monkeypatch.delenv("LONGCAT_BASE_URL", raising=False)


def test_the_validator_rejects_what_llama_cpp_rejects():
    history = {"role": "assistant", "content": "", "tool_calls": [_call({"x": 1})]}
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}, history]}
    assert "Input should be a valid string" in schema_errors(body)
    history["tool_calls"] = [_call('{"x": 1}')]
    assert schema_errors(body) is None
    history["content"] = None  # OpenAI allows null; llama-cpp-python's type does not
    assert "messages.1.content" in schema_errors(body)


def _call(arguments):
    return {"id": "c", "type": "function", "function": {"name": "add", "arguments": arguments}}


def test_multi_turn_tool_agent_reaches_turn_four(strict, tmp_path):
    strict.push(
        Reply(message=message("Let me add.", tool_calls=[("add", {"x": 1, "y": 2})])),
        Reply(message=message(KV_CALL)),
        Reply(message=message(JSON_CALL)),
        Reply(message=message("The answer is 3.")),
    )
    log = run_eval(tool_task(), strict.base_url, tmp_path, thinking=True)
    [sample] = log.samples
    assert sample.error is None, sample.error
    assert sample.scores["includes"].value == "C"
    bodies = strict.completions()
    assert len(bodies) == 4 and all(schema_errors(b) is None for b in bodies)
    # the profile was detected as generic (owned_by "me"): strings, the OpenAI thinking switch
    last = bodies[3]["messages"]
    calls = [c for m in last if m["role"] == "assistant" for c in m.get("tool_calls") or []]
    assert [json.loads(c["function"]["arguments"]) for c in calls] == [
        {"x": 1, "y": 2},
        {"x": 3, "y": 0},
        {"x": 0, "y": 3},
    ]
    assert all(b["chat_template_kwargs"] == {"enable_thinking": True} for b in bodies)
    assert all("thinking" not in b for b in bodies)
    assert [m["content"] for m in last if m["role"] == "tool"] == ["3", "3", "3"]
    assert all("name" not in m for m in last if m["role"] == "tool")  # not in the OpenAI schema


def test_meituan_rules_on_a_strict_server_fail_fast_in_one_line(strict, tmp_path):
    strict.push(Reply(message=message("", tool_calls=[("add", {"x": 1, "y": 2})])))
    log = run_eval(tool_task(), strict.base_url, tmp_path, server="meituan")
    [sample] = log.samples
    error = sample.error.message
    assert "\n" not in error
    assert f"POST {strict.base_url}/chat/completions -> HTTP 500:" in error
    assert "Input should be a valid string" in error and "not retried" in error
    assert len(strict.completions()) == 2  # turn 1, then turn 2 once: a schema error is final


@tool
def write_file():
    async def execute(path: str, body: str, mode: str) -> str:
        """Write a file.

        Args:
            path: Where.
            body: The file's text.
            mode: A mode word.
        """
        return json.dumps({"path": path, "body": body, "mode": mode})

    return execute


def test_schema_string_argument_holding_json_arrives_as_a_string(strict, tmp_path):
    kv = (
        "<longcat_tool_call>write_file"
        "<longcat_arg_key>path</longcat_arg_key><longcat_arg_value>3.14</longcat_arg_value>"
        '<longcat_arg_key>body</longcat_arg_key><longcat_arg_value>{"port": 8080}'
        "</longcat_arg_value><longcat_arg_key>mode</longcat_arg_key>"
        "<longcat_arg_value>true</longcat_arg_value></longcat_tool_call>"
    )
    strict.push(Reply(message=message(kv)), Reply(message=message("written")))
    task = Task(
        dataset=[Sample(input="Write the config.", target="written")],
        solver=[use_tools(write_file()), generate()],
        scorer=includes(),
    )
    log = run_eval(task, strict.base_url, tmp_path)
    [sample] = log.samples
    assert sample.error is None, sample.error
    tool_msg = next(m for m in sample.messages if m.role == "tool")
    assert tool_msg.error is None
    assert json.loads(tool_msg.text) == {"path": "3.14", "body": '{"port": 8080}', "mode": "true"}
    [history] = [m for m in strict.completions()[1]["messages"] if m["role"] == "assistant"]
    args = json.loads(history["tool_calls"][0]["function"]["arguments"])
    assert args == {"path": "3.14", "body": '{"port": 8080}', "mode": "true"}


def test_streaming_with_tools_empty_stream_fails_fast(strict, tmp_path):
    log = run_eval(tool_task(), strict.base_url, tmp_path, stream=True)
    error = log.samples[0].error.message
    assert "\n" not in error and strict.base_url in error
    assert "HTTP 200 with an empty event stream" in error and "-M stream=false" in error
    assert len(strict.completions()) == 1


def test_stream_without_usage_is_counted_and_marked(strict, tmp_path, caplog):
    task = Task(dataset=[Sample(input="What is 1 + 2?", target="3")], scorer=includes())
    strict.default = Reply(message=message("The answer is 3.", reasoning="one plus two"))
    log = run_eval(task, strict.base_url, tmp_path, stream=True)
    [sample] = log.samples
    [event] = [e for e in sample.events if e.event == "model"]
    meta = event.output.metadata["longcat"]
    assert meta["usage_estimated"] == "chars/4"
    assert meta["ttft_ms"] > 0 and "tpot_ms" in meta
    usage = sample.model_usage["longcat/LongCat-2.0"]
    assert usage.input_tokens == len("What is 1 + 2?") // 4 + 1
    assert usage.output_tokens == 4 + 3  # "The answer is 3." 16 chars, "one plus two" 12 chars
    assert usage.total_cost and usage.total_cost > 0
    assert "sent no token usage" in caplog.text and "estimates" in caplog.text


def test_usage_counted_with_a_tokenizer_file(strict, tmp_path):
    from pathlib import Path

    from tokenizers import Tokenizer

    path = Path(__file__).parents[2] / "model_adapter" / "reference" / "tokenizer.json"
    task = Task(dataset=[Sample(input="What is 1 + 2?", target="3")], scorer=includes())
    strict.default = Reply(message=message("The answer is 3."))
    log = run_eval(task, strict.base_url, tmp_path, stream=True, tokenizer=str(path))
    [sample] = log.samples
    [event] = [e for e in sample.events if e.event == "model"]
    assert event.output.metadata["longcat"]["usage_estimated"] == "tokenizer"
    tok = Tokenizer.from_file(str(path))
    expected = len(tok.encode("The answer is 3.", add_special_tokens=False).ids)
    assert sample.model_usage["longcat/LongCat-2.0"].output_tokens == expected
