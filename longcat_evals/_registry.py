"""Inspect entry point: importing this module registers every @task and @modelapi.

Keep imports here light: heavy dependencies (torch, transformers) load inside the providers.
"""

# ruff: noqa: F401
from inspect_ai.model import modelapi

from longcat_evals.evals.smoke.task import sandbox_smoke
from longcat_evals.evals.swe.task import (
    swe_bench_multilingual,
    swe_bench_pro,
    swe_bench_verified,
    swe_local,
)
from longcat_evals.evals.long_context.task import mrcr, niah, repo_retrieval, ruler
from longcat_evals.evals.terminal.task import terminal_bench


@modelapi(name="longcat")
def longcat():
    """LongCat-2.0 over an OpenAI-compatible endpoint (Meituan API, OpenRouter, SGLang/vLLM)."""
    from longcat_evals.model_adapter.longcat import LongCatAPI

    return LongCatAPI
