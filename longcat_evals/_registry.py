"""Inspect entry point: importing this module registers every @task and @modelapi.

Keep imports here light: heavy dependencies (torch, transformers) load inside the providers.
"""

# ruff: noqa: F401
from inspect_ai.model import modelapi

from longcat_evals.evals.long_context.task import mrcr, niah, repo_retrieval, ruler
from longcat_evals.evals.smoke.task import sandbox_smoke
from longcat_evals.evals.swe.task import (
    swe_bench_multilingual,
    swe_bench_pro,
    swe_bench_verified,
    swe_local,
)
from longcat_evals.evals.terminal.task import terminal_bench
from longcat_evals.sandboxes import interrupt

# `kill` (SIGTERM) or a closed terminal stops a run like Ctrl-C: sandboxes removed, finished
# samples kept in the log (see longcat_evals.sandboxes.interrupt).
interrupt.forward_to_sigint()


@modelapi(name="longcat")
def longcat():
    """LongCat-2.0 over an OpenAI-compatible endpoint (Meituan API, OpenRouter, SGLang/vLLM)."""
    from longcat_evals.model_adapter.longcat import LongCatAPI

    return LongCatAPI


@modelapi(name="longcat-local")
def longcat_local():
    """The PyTorch reference of the LongCat-2.0 architecture: `longcat-local/tiny` or
    `longcat-local/<checkpoint dir>` (needs the `local` extra: torch, safetensors, transformers)."""
    from longcat_evals.model_adapter.reference.provider import LongcatLocalAPI

    return LongcatLocalAPI
