"""`longcat-evals probe`: a short live check of a LongCat endpoint through the `longcat` provider.

Every step goes through the same provider the evals use: reachability, model id and server profile
(GET /models), thinking on and off judged together (switch ignored vs reasoning not returned), one
tool-call round trip, then TTFT/TPOT of streamed calls at a few prompt
lengths. Each step is a table row; a failing step says why in one line and the rest still run,
except when the endpoint is unreachable or refuses the key or quota, which ends the probe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from inspect_ai.model import (
    ChatMessage,
    ChatMessageTool,
    ChatMessageUser,
    ContentReasoning,
    GenerateConfig,
    Model,
    get_model,
)
from inspect_ai.tool import ToolInfo, ToolParam, ToolParams
from rich.table import Table

from longcat_evals.model_adapter.endpoint_errors import (
    LongCatAuthError,
    LongCatQuotaError,
    LongCatUnreachableError,
)
from longcat_evals.progress import Progress, progress

PROBE_MAX_RETRIES = 2
PROBE_TIMEOUT_S = 300
FILLER = "The quick brown fox jumps over the lazy dog near the quiet river bank. "
FILLER_TOKENS = 15  # approximate tokens per FILLER repeat; the table shows the server's count
WEATHER_TOOL = ToolInfo(
    name="get_weather",
    description="Current weather for a city.",
    parameters=ToolParams(
        properties={"city": ToolParam(type="string", description="City name")},
        required=["city"],
    ),
)


@dataclass
class Row:
    check: str
    ok: bool
    detail: str


def _model(name: str, base_url: str | None, server: str = "auto", **args: object) -> Model:
    # a probe answers quickly: a few short retries, never Inspect's retry-forever default
    config = GenerateConfig(max_retries=PROBE_MAX_RETRIES, timeout=PROBE_TIMEOUT_S)
    args.setdefault("retry_backoff_s", 1.0)
    return get_model(name, base_url=base_url, memoize=False, config=config, server=server, **args)


async def _reachable(name: str, base_url: str | None, server: str) -> Row:
    api = _model(name, base_url, server).api
    profile = await api.start()  # type: ignore[attr-defined]
    if profile is None:
        raise api._fatal  # type: ignore[attr-defined]
    served = [m.id async for m in api.client.models.list()]  # type: ignore[attr-defined]
    wanted = name.split("/", 1)[1]
    found = wanted in served
    detail = f"{api.base_url}; models: {', '.join(served[:5]) or 'none listed'}"
    detail += f"; server profile {profile.name} ({profile.detected_from})"
    return Row("reachable, model id", found, detail + ("" if found else f" ({wanted} missing)"))


@dataclass
class _Thought:
    reasoning_chars: int
    output_tokens: int | None
    answer: str

    def describe(self) -> str:
        tokens = "?" if self.output_tokens is None else str(self.output_tokens)
        return f"answer {self.answer[:40]!r}; reasoning {self.reasoning_chars} chars, {tokens} out"


async def _think(model: Model) -> _Thought:
    out = await model.generate("What is 17 * 3? Answer with the number only.")
    content = [] if isinstance(out.message.content, str) else out.message.content
    reasoning = sum(len(c.reasoning) for c in content if isinstance(c, ContentReasoning))
    tokens = out.usage.output_tokens if out.usage else None
    return _Thought(reasoning, tokens, out.completion.strip())


async def _thinking(name: str, base_url: str | None, server: str) -> list[Row]:
    """Thinking on, then off, judged together.

    Reasoning both ways: the switch is ignored. Reasoning neither way: if thinking on spent far
    more output tokens than off, the model reasoned and the server did not return it (no
    reasoning parser); otherwise the switch changed nothing, i.e. it was ignored (or the model
    does not reason at all).
    """
    on_model = _model(name, base_url, server, thinking=True)
    on = await _think(on_model)
    off = await _think(_model(name, base_url, server, thinking=False))
    switch = on_model.api.active_profile.describe_thinking()  # type: ignore[attr-defined]
    on_row = Row("thinking on", on.reasoning_chars > 0, on.describe())
    off_row = Row("thinking off", off.reasoning_chars == 0, off.describe())
    if on.reasoning_chars and off.reasoning_chars:
        off_row.detail += f" — thinking switch ignored: reasoning with thinking off ({switch})"
    elif not on.reasoning_chars:
        spent_more = (
            on.output_tokens is not None
            and off.output_tokens is not None
            and on.output_tokens > 2 * off.output_tokens + 16
        )
        if spent_more:
            on_row.detail += (
                f" — no reasoning returned, yet {on.output_tokens} output tokens against "
                f"{off.output_tokens} with thinking off: the server reasons but does not return "
                "it (launch it with a reasoning parser)"
            )
        else:
            on_row.detail += (
                f" — thinking switch ignored: no reasoning and as many output tokens as with "
                f"thinking off ({switch}; pick the server's profile with --server)"
            )
    return [on_row, off_row]


async def _tool_round_trip(name: str, base_url: str | None, server: str) -> Row:
    model = _model(name, base_url, server)
    messages: list[ChatMessage] = [
        ChatMessageUser(content="Use the get_weather tool to find the weather in Paris.")
    ]
    out = await model.generate(messages, tools=[WEATHER_TOOL])
    calls = out.message.tool_calls or []
    if not calls:
        return Row("tool call round trip", False, f"no tool call; said {out.completion[:60]!r}")
    call = calls[0]
    if call.parse_error:
        return Row("tool call round trip", False, f"unparsable call: {call.parse_error}")
    messages += [
        out.message,
        ChatMessageTool(content="18 C, sunny", tool_call_id=call.id, function=call.function),
    ]
    final = await model.generate(messages, tools=[WEATHER_TOOL])
    ok = bool(final.completion.strip())
    detail = f"{call.function}({call.arguments}) -> {final.completion.strip()[:60]!r}"
    if not ok:
        detail += " (the server accepted the tool result turn; the model's answer was empty)"
    return Row("tool call round trip", ok, detail)


async def _latency(model: Model, approx_tokens: int) -> Row:
    repeats = max(1, approx_tokens // FILLER_TOKENS)
    prompt = FILLER * repeats + "\nSummarise the text above in 20 words."
    out = await model.generate(prompt, config=GenerateConfig(max_tokens=64))
    meta = (out.metadata or {}).get("longcat", {})
    used = out.usage.input_tokens + (out.usage.input_tokens_cache_read or 0) if out.usage else "?"
    produced = out.usage.output_tokens if out.usage else "?"
    if "ttft_ms" not in meta:
        return Row(f"latency @ ~{approx_tokens} tokens", False, "no streamed tokens")
    tpot = meta.get("tpot_ms")
    tpot_text = "n/a" if tpot is None else f"{tpot:.1f} ms"
    detail = f"TTFT {meta['ttft_ms']:.0f} ms, TPOT {tpot_text}"
    if meta.get("usage_estimated"):
        detail += f" (tokens estimated: {meta['usage_estimated']})"
    return Row(f"latency @ ~{approx_tokens} tokens", True, f"{detail} ({used} in, {produced} out)")


async def _warm_up(model: Model) -> Row:
    """One short call first, so connection set-up and lazy imports do not count as TTFT."""
    out = await model.generate("Say OK.", config=GenerateConfig(max_tokens=8))
    meta = (out.metadata or {}).get("longcat", {})
    detail = f"first call {meta.get('latency_ms', 0):.0f} ms (set-up; not a TTFT)"
    return Row("latency warm-up", True, detail)


async def run_probe(
    name: str,
    base_url: str | None,
    prompt_tokens: list[int],
    on_row: Callable[[Row], None] = lambda row: None,
    server: str = "auto",
) -> list[Row]:
    """Run every check in order; stop early when unreachable or on auth or quota errors."""
    steps: list[tuple[str, Callable[[], object]]] = [
        ("reachable, model id", lambda: _reachable(name, base_url, server)),
        ("thinking on/off", lambda: _thinking(name, base_url, server)),
        ("tool call round trip", lambda: _tool_round_trip(name, base_url, server)),
    ]
    if prompt_tokens:
        streaming = _model(name, base_url, server, stream=True, thinking=False)
        steps.append(("latency warm-up", lambda: _warm_up(streaming)))
        for n in prompt_tokens:
            steps.append((f"latency @ ~{n} tokens", lambda n=n: _latency(streaming, n)))
    rows: list[Row] = []
    for label, step in steps:
        try:
            got = await step()  # type: ignore[misc]
        except (LongCatAuthError, LongCatQuotaError, LongCatUnreachableError) as e:
            rows.append(Row(label, False, str(e)))
            on_row(rows[-1])
            break
        except Exception as e:  # a failed check is a row, not a crash
            rows.append(Row(label, False, f"{type(e).__name__}: {str(e).splitlines()[0][:300]}"))
            if len(rows) == 1:  # unreachable: every later check would fail the same way
                on_row(rows[-1])
                break
            on_row(rows[-1])
            continue
        for row in got if isinstance(got, list) else [got]:
            rows.append(row)
            on_row(row)
    return rows


def probe_table(name: str, rows: list[Row]) -> Table:
    table = Table(title=f"probe {name}")
    table.add_column("check")
    table.add_column("ok")
    table.add_column("detail", overflow="fold")
    for row in rows:
        table.add_row(row.check, "[green]yes[/]" if row.ok else "[red]no[/]", row.detail)
    return table


def probe(
    name: str,
    base_url: str | None,
    prompt_tokens: list[int],
    log: Progress = progress,
    server: str = "auto",
) -> tuple[Table, bool]:
    """Run the probe synchronously; returns the table and whether every check passed."""

    def progress(row: Row) -> None:
        log(f"{row.check}: {'ok' if row.ok else 'failed'}")

    rows = asyncio.run(run_probe(name, base_url, prompt_tokens, progress, server))
    return probe_table(name, rows), all(r.ok for r in rows)
