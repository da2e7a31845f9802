"""Real Inspect evals through the `longcat` provider against a loopback LongCat-format server."""

from __future__ import annotations

import zipfile

import pytest
from inspect_ai.log import read_eval_log
from inspect_ai.model import ContentReasoning

from .endpoint_support import run_eval, tool_task
from .longcat_fake_server import FakeLongCat, Reply, message

KV_CALL = (
    "<longcat_think>second step</longcat_think>"
    "<longcat_tool_call>add<longcat_arg_key>x</longcat_arg_key>"
    "<longcat_arg_value>3</longcat_arg_value><longcat_arg_key>y</longcat_arg_key>"
    "<longcat_arg_value>0</longcat_arg_value></longcat_tool_call>"
)
JSON_CALL = '<longcat_tool_call>{"name": "add", "arguments": {"x": 0, "y": 3}}</longcat_tool_call>'

BROKEN_CALL = '<longcat_tool_call>{"name": "add", "arguments": {"x": </longcat_tool_call>'


@pytest.fixture
def server():
    with FakeLongCat(api_key="sk-test-SECRET-4242") as srv:
        yield srv


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("LONGCAT_API_KEY", "sk-test-SECRET-4242")


@pytest.mark.parametrize("stream", [False, True])
def test_multi_turn_tool_agent(server, tmp_path, stream):
    server.push(
        Reply(
            message=message(
                "Let me add.", reasoning="need the add tool", tool_calls=[("add", {"x": 1, "y": 2})]
            )
        ),
        Reply(message=message(KV_CALL)),
        Reply(message=message(JSON_CALL)),
        Reply(message=message("The answer is 3.", reasoning="done")),
    )
    log = run_eval(
        tool_task(), server.base_url, tmp_path, stream=stream, thinking=True, server="meituan"
    )
    assert log.status == "success", log.error
    [sample] = log.samples
    assert sample.error is None
    assert sample.scores["includes"].value == "C"

    bodies = server.completions()
    assert len(bodies) == 4
    assert all(b["thinking"] == {"type": "enabled"} for b in bodies)
    assert all(bool(b.get("stream")) == stream for b in bodies)
    # turn 2 replays turn 1's reasoning and sends the arguments as an object
    asst = [m for m in bodies[1]["messages"] if m["role"] == "assistant"]
    assert asst[0]["reasoning_content"] == "need the add tool"
    assert asst[0]["tool_calls"][0]["function"]["arguments"] == {"x": 1, "y": 2}
    tool_msg = bodies[1]["messages"][-1]
    assert tool_msg["role"] == "tool" and tool_msg["content"] == "3"
    # the raw-text call of turn 2 came back as a real tool call with decoded ints
    asst = [m for m in bodies[2]["messages"] if m["role"] == "assistant"]
    assert asst[1]["reasoning_content"] == "second step"
    assert asst[1]["tool_calls"][0]["function"] == {"name": "add", "arguments": {"x": 3, "y": 0}}
    assert "<longcat_tool_call>" not in (asst[1]["content"] or "")
    asst = [m for m in bodies[3]["messages"] if m["role"] == "assistant"]
    assert asst[2]["tool_calls"][0]["function"]["arguments"] == {"x": 0, "y": 3}

    # reasoning is Inspect reasoning content on the transcript's messages
    first = next(m for m in sample.messages if m.role == "assistant")
    assert any(isinstance(c, ContentReasoning) for c in first.content)

    # accounting: usage with reasoning and cached tokens, cost at list prices
    usage = sample.model_usage["longcat/LongCat-2.0"]
    assert usage.input_tokens == 4 * 100 and usage.input_tokens_cache_read == 4 * 20
    assert usage.reasoning_tokens > 0
    expected = (usage.input_tokens * 0.75 + 80 * 0.75 + usage.output_tokens * 2.95) / 1e6
    assert usage.total_cost == pytest.approx(expected)
    assert log.stats.model_usage["longcat/LongCat-2.0"].total_cost == pytest.approx(expected)

    # streaming calls carry TTFT/TPOT in the log
    events = [e for e in sample.events if e.event == "model"]
    meta = [e.output.metadata["longcat"] for e in events]
    assert len(meta) == 4 and all(m["streamed"] == stream for m in meta)
    if stream:
        assert all(m["ttft_ms"] > 0 and m["tpot_ms"] >= 0 for m in meta)


@pytest.mark.parametrize("stream", [False, True])
def test_repeated_raw_call_gets_distinct_ids(server, tmp_path, stream):
    server.push(*[Reply(message=message(JSON_CALL))] * 2, Reply(message=message("3")))
    server.default = Reply(message=message("3"))
    log = run_eval(tool_task(), server.base_url, tmp_path, stream=stream)
    assert log.samples[0].error is None
    last = server.completions()[-1]["messages"]
    ids = [c["id"] for m in last if m["role"] == "assistant" for c in m["tool_calls"]]
    assert len(ids) == 2 and len(set(ids)) == 2
    assert [m["tool_call_id"] for m in last if m["role"] == "tool"] == ids


def test_malformed_tool_call_reaches_the_agent(server, tmp_path):
    server.push(
        Reply(
            message=message(
                '<longcat_tool_call>{"name": "add", "arguments": {"x": </longcat_tool_call>'
            )
        ),
        Reply(message=message("The answer is 3.")),
    )
    log = run_eval(tool_task(), server.base_url, tmp_path)
    [sample] = log.samples
    assert sample.error is None
    tool_msg = next(m for m in sample.messages if m.role == "tool")
    assert tool_msg.error is not None and "malformed tool call" in tool_msg.error.message
    # the model was told about the error on the next turn
    assert "malformed tool call" in server.completions()[1]["messages"][-1]["content"]


def test_thinking_disabled_and_max_tokens_clamped(server, tmp_path, caplog):
    from inspect_ai import eval

    server.push(Reply(message=message("3")))
    [log] = eval(
        tool_task(),
        model="longcat/LongCat-2.0",
        model_base_url=server.base_url,
        model_args={"thinking": "false", "server": "meituan"},
        max_tokens=500_000,
        log_dir=str(tmp_path),
        display="none",
    )
    assert log.status == "success"
    [body] = server.completions()
    assert body["thinking"] == {"type": "disabled"}
    assert body["max_tokens"] == 131_072
    assert "clamped to 131072" in caplog.text


@pytest.mark.parametrize("key_from", ["env", "model_args"])
def test_api_key_never_in_log(server, tmp_path, monkeypatch, key_from):
    server.push(Reply(status=500), Reply(message=message("3")))
    extra = {}
    if key_from == "model_args":
        monkeypatch.delenv("LONGCAT_API_KEY")
        extra["api_key"] = "sk-test-SECRET-4242"
    log = run_eval(tool_task(), server.base_url, tmp_path, **extra)
    assert log.status == "success"
    # the key did reach the server, and appears nowhere in the log file
    headers = {k.lower(): v for k, v in server.requests[0]["headers"].items()}
    assert headers["authorization"] == "Bearer sk-test-SECRET-4242"
    with zipfile.ZipFile(log.location) as z:
        blob = b"".join(z.read(n) for n in z.namelist())
    assert b"SECRET-4242" not in blob
    assert b'"messages"' in blob  # sanity: we did read the sample content
    assert read_eval_log(log.location).samples[0].error is None


def test_message_limit_stop_is_named_not_a_timeout(server, tmp_path):
    """An agent stopped by the message limit is recorded as such (it used to read "timed out")."""
    from inspect_ai import Task
    from inspect_ai.dataset import Sample
    from inspect_ai.scorer import Score, scorer
    from inspect_ai.solver import generate, use_tools

    from longcat_evals.evals.terminal.solvers import agent_time_limit
    from longcat_evals.evals.terminal.verify import agent_stop_note

    from .endpoint_support import add

    @scorer(metrics=[])
    def note():
        async def score(state, target):
            return Score(value=0, explanation="reward 0" + agent_stop_note(state.metadata))

        return score

    server.default = Reply(message=message("", tool_calls=[("add", {"x": 1, "y": 2})]))
    task = Task(
        dataset=[Sample(input="Add forever.", metadata={"agent_timeout_sec": 60})],
        solver=[use_tools(add()), agent_time_limit(generate())],
        scorer=note(),
        message_limit=5,
    )
    log = run_eval(task, server.base_url, tmp_path, server="meituan")
    [sample] = log.samples
    assert sample.metadata["agent_limit"] == "message"
    assert sample.metadata["agent_timed_out"] is False
    assert sample.scores["note"].explanation == "reward 0 (agent stopped: message limit reached)"
