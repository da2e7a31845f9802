"""`longcat-evals probe` against the loopback LongCat-format server (in-process CLI)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from longcat_evals.cli import main

from .longcat_fake_server import FakeLongCat, Reply, message
from .strict_openai_server import StrictOpenAIServer, schema_errors


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("LONGCAT_API_KEY", "sk-probe-key")


def test_probe_all_checks_pass():
    with FakeLongCat(api_key="sk-probe-key") as server:
        server.push(
            Reply(message=message("51", reasoning="17*3 = 51")),
            Reply(message=message("51")),
            Reply(message=message("", tool_calls=[("get_weather", {"city": "Paris"})])),
            Reply(message=message("It is 18 C and sunny in Paris.")),
        )
        server.default = Reply(message=message("A fox jumps over a dog by a river. " * 2))
        result = CliRunner(env={"COLUMNS": "2000"}).invoke(
            main,
            ["probe", "--base-url", server.base_url, "--prompt-tokens", "100,1000"]
            + ["--server", "meituan"],
        )
        bodies = server.completions()
    assert result.exit_code == 0, result.output
    for check in ("reachable", "thinking on", "thinking off", "tool call round trip"):
        assert check in result.output
    assert "latency @ ~1000 tokens" in result.output and "TTFT" in result.output
    assert bodies[0]["thinking"] == {"type": "enabled"}
    assert bodies[1]["thinking"] == {"type": "disabled"}
    assert bodies[3]["messages"][-1] == {
        "role": "tool",
        "content": "18 C, sunny",
        "tool_call_id": "call_srv_0",
        "name": "get_weather",
    }
    assert "server profile meituan (-M server=meituan)" in " ".join(result.output.split())
    assert all(b["stream"] for b in bodies[4:]) and len(bodies) == 7  # warm-up + 2 sizes
    assert len(bodies[6]["messages"][0]["content"]) > 5 * len(bodies[5]["messages"][0]["content"])


def _probe_output(replies: list[Reply], *args: str) -> str:
    with FakeLongCat(api_key="sk-probe-key") as server:
        server.push(*replies)
        result = CliRunner(env={"COLUMNS": "2000"}).invoke(
            main, ["probe", "--base-url", server.base_url, "--prompt-tokens", "", *args]
        )
    assert result.exit_code == 1
    return " ".join(result.output.split())


def test_probe_tells_an_ignored_switch_from_missing_reasoning():
    few = {"prompt_tokens": 20, "completion_tokens": 3, "total_tokens": 23}
    many = {"prompt_tokens": 20, "completion_tokens": 400, "total_tokens": 420}
    # no reasoning either way and as many tokens: the switch changed nothing
    out = _probe_output([Reply(message=message("51"), usage=few)] * 2)
    assert "thinking switch ignored: no reasoning and as many output tokens" in out
    assert "chat_template_kwargs" in out  # the generic profile's switch, named
    # no reasoning returned, but thinking on spent far more tokens: reasoning is stripped
    out = _probe_output(
        [Reply(message=message("51"), usage=many), Reply(message=message("51"), usage=few)]
    )
    assert "the server reasons but does not return it" in out
    # reasoning with thinking off too: ignored
    out = _probe_output([Reply(message=message("51", reasoning="17*3"))] * 2, "--server", "meituan")
    assert "thinking switch ignored: reasoning with thinking off (body field `thinking" in out


def test_probe_stops_on_quota():
    with FakeLongCat(api_key="sk-probe-key") as server:
        server.push(Reply(status=402))
        result = CliRunner(env={"COLUMNS": "2000"}).invoke(
            main, ["probe", "--base-url", server.base_url]
        )
        assert len(server.completions()) == 1
    assert result.exit_code == 1
    assert "quota exhausted" in result.output
    assert "latency" not in result.output


def test_probe_unreachable_endpoint():
    result = CliRunner(env={"COLUMNS": "2000"}).invoke(
        main, ["probe", "--base-url", "http://127.0.0.1:9/v1", "--prompt-tokens", "50"]
    )
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert "is unreachable (GET http://127.0.0.1:9/v1/models: ConnectError" in out
    assert "thinking" not in out


def test_probe_passes_against_a_strict_server_with_the_generic_profile(monkeypatch):
    monkeypatch.delenv("LONGCAT_API_KEY")
    with StrictOpenAIServer() as server:
        server.push(
            Reply(message=message("51", reasoning="17*3 = 51")),
            Reply(message=message("51")),
            Reply(message=message("", tool_calls=[("get_weather", {"city": "Paris"})])),
            Reply(message=message("It is 18 C and sunny in Paris.")),
        )
        server.default = Reply(message=message("A fox jumps over a dog by a river."))
        result = CliRunner(env={"COLUMNS": "2000"}).invoke(
            main, ["probe", "--base-url", server.base_url, "--prompt-tokens", "100"]
        )
        bodies = server.completions()
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "server profile generic (GET /models names no known server)" in out
    assert "tool call round trip │ yes" in out
    assert all(schema_errors(b) is None for b in bodies)
    [asst] = [m for m in bodies[3]["messages"] if m["role"] == "assistant"]
    assert asst["tool_calls"][0]["function"]["arguments"] == '{"city": "Paris"}'
    assert bodies[0]["chat_template_kwargs"] == {"enable_thinking": True}
    assert bodies[1]["chat_template_kwargs"] == {"enable_thinking": False}
