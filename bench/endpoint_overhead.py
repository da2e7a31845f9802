"""Per-call overhead of the `longcat` provider against a loopback LongCat-format server.

Baseline: a raw `openai.AsyncOpenAI` chat.completions call to the same server in the same run.
Measured, interleaved round-robin so drift hits every variant alike:
  raw          openai client, plain JSON
  adapter      LongCatAPI.generate() (message conversion, LongCat params, parsing, timing)
  inspect      Model.generate() (adds Inspect's model layer: retry wrapper, events, usage, cost)
and the same three with SSE streaming. Target: adapter - raw < 5 ms (median).
Then the cost of accumulating one long streamed answer (LongCat thinks for thousands of tokens):
Inspect's default SDK accumulator against the adapter's linear one.

    .venv/bin/python bench/endpoint_overhead.py [--calls 300]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

from inspect_ai.model import ChatMessageUser, GenerateConfig, get_model
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionChunk

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "model_adapter"))
from longcat_fake_server import FakeLongCat, Reply, message  # noqa: E402

PROMPT = "Summarise the plot of Hamlet in two sentences."
TARGET_MS = 5.0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(calls: int, warmup: int) -> None:
    server = FakeLongCat().start()
    server.default = Reply(message=message("A prince avenges his father. " * 4, "plot recall"))
    url = server.base_url
    raw = AsyncOpenAI(api_key="bench", base_url=url, max_retries=0)
    plain = get_model("longcat/LongCat-2.0", base_url=url, api_key="bench", stream=False)
    streamed = get_model("longcat/LongCat-2.0", base_url=url, api_key="bench", stream=True)
    msgs = [ChatMessageUser(content=PROMPT)]
    config = GenerateConfig()

    async def raw_call(stream: bool) -> None:
        kwargs = {"model": "LongCat-2.0", "messages": [{"role": "user", "content": PROMPT}]}
        if stream:
            async for _ in await raw.chat.completions.create(
                **kwargs, stream=True, stream_options={"include_usage": True}
            ):
                pass
        else:
            await raw.chat.completions.create(**kwargs)

    variants = {
        "raw": lambda: raw_call(False),
        "adapter": lambda: plain.api.generate(msgs, [], "none", config),
        "inspect": lambda: plain.generate(msgs),
        "raw/stream": lambda: raw_call(True),
        "adapter/stream": lambda: streamed.api.generate(msgs, [], "none", config),
        "inspect/stream": lambda: streamed.generate(msgs),
    }
    wall: dict[str, list[float]] = {name: [] for name in variants}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    for i in range(warmup + calls):
        for name, call in variants.items():
            start, start_cpu = time.perf_counter(), time.thread_time()
            await call()
            if i >= warmup:
                wall[name].append((time.perf_counter() - start) * 1000)
                cpu[name].append((time.thread_time() - start_cpu) * 1000)
    server.stop()

    print(f"{calls} calls per variant after {warmup} warm-up, loopback server, ms per call")
    print("wall: end-to-end; client CPU: the calling thread's CPU time (the server runs in")
    print("other threads), which is the adapter's own cost and insensitive to machine load")
    header = ["median", "p95", "+med", "+p95", "cpu med", "cpu p95", "+cpu med"]
    print(f"{'variant':<16}" + "".join(f"{h:>10}" for h in header))
    for name in variants:
        base = "raw/stream" if name.endswith("/stream") else "raw"
        row = [
            statistics.median(wall[name]),
            pct(wall[name], 0.95),
            statistics.median(wall[name]) - statistics.median(wall[base]),
            pct(wall[name], 0.95) - pct(wall[base], 0.95),
            statistics.median(cpu[name]),
            pct(cpu[name], 0.95),
            statistics.median(cpu[name]) - statistics.median(cpu[base]),
        ]
        print(f"{name:<16}" + "".join(f"{v:>10.2f}" for v in row))
    for mode in ("", "/stream"):
        adapter, raw_name = f"adapter{mode}", f"raw{mode}"
        added = statistics.median(wall[adapter]) - statistics.median(wall[raw_name])
        added_cpu = statistics.median(cpu[adapter]) - statistics.median(cpu[raw_name])
        ratio = statistics.median(wall[adapter]) / statistics.median(wall[raw_name])
        verdict = "meets" if added < TARGET_MS else "MISSES"
        print(
            f"adapter{mode or '/json'}: +{added:.2f} ms wall median over raw (x{ratio:.2f}), "
            f"+{added_cpu:.2f} ms client CPU; {verdict} the {TARGET_MS:.0f} ms target (wall)"
        )


def chunk_objects(n_chunks: int) -> list[ChatCompletionChunk]:
    """A long thinking stream: one ~4-character token per chunk, as real servers send."""
    head = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "LongCat-2.0"}
    delta = {"index": 0, "delta": {"reasoning_content": "tok "}, "finish_reason": None}
    chunks = [ChatCompletionChunk.model_validate(head | {"choices": [delta]})] * n_chunks
    end = {"index": 0, "delta": {}, "finish_reason": "stop"}
    return chunks + [ChatCompletionChunk.model_validate(head | {"choices": [end]})]


async def accumulation(n_chunks: int) -> None:
    """Accumulating one long streamed answer: Inspect's default (SDK snapshot) vs the adapter's."""
    from inspect_ai.model._openai import openai_chat_completion_stream_final

    from longcat_evals.model_adapter.endpoint_stream import accumulate_stream

    async def feed(items):
        for item in items:
            yield item

    chunks = chunk_objects(n_chunks)
    result = {}
    for name, fn in (("sdk", openai_chat_completion_stream_final), ("adapter", accumulate_stream)):
        start = time.perf_counter()
        await fn(feed(chunks))
        result[name] = time.perf_counter() - start
    print(
        f"accumulating a {n_chunks}-chunk stream: Inspect/SDK default {result['sdk']:.2f} s, "
        f"adapter {result['adapter']:.2f} s (x{result['sdk'] / result['adapter']:.1f} faster)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--stream-chunks", type=int, default=8000)
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.warmup))
    asyncio.run(accumulation(args.stream_chunks))
