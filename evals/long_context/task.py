"""The @task entry points: `niah`, `ruler`, `mrcr`, `repo_retrieval`.

One task body (`long_context_task`) and four thin variants: each names its family, validates the
one option that is its own, and passes everything else as `LongContextOptions` (typed and
documented once in config.py; an unknown `-T` name is a one-line error, not Inspect's warning).

Agents: `default` is plain generation (one `generate()`: these are prompt -> answer tasks, not
agentic ones, so the ReAct bash agent of other families is not used), `oracle` reads the answer
out of the prompt, `null` answers nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import GenerateConfig
from inspect_ai.scorer import Scorer
from inspect_ai.solver import Solver, generate

from longcat_evals.evals.agents import resolve_agent
from longcat_evals.evals.long_context.config import (
    GridConfig,
    LongContextOptions,
    grid_config,
    parse_list,
)
from longcat_evals.evals.long_context.errors import LongContextError
from longcat_evals.evals.long_context.mrcr import DEFAULT_NEEDLES, mrcr_samples
from longcat_evals.evals.long_context.niah import DEFAULT_DEPTHS, niah_samples
from longcat_evals.evals.long_context.oracle import long_context_oracle
from longcat_evals.evals.long_context.repo import KINDS, repo_samples
from longcat_evals.evals.long_context.ruler import parse_variants, ruler_samples
from longcat_evals.evals.long_context.scorers import exact_answer, mrcr_similarity, ruler_match
from longcat_evals.evals.long_context.tokenizer import LoadedTokenizer, load_tokenizer
from longcat_evals.evals.options import SANDBOX_FREE_AGENTS, AgentName, choice, family_options
from longcat_evals.progress import progress

VERSION = 1
FAMILIES = ("niah", "ruler", "mrcr", "repo_retrieval")
DEFAULT_ANSWER_TOKENS = 128

Builder = Callable[[LoadedTokenizer, GridConfig, list[int]], list[Sample]]


def long_context_options(family: str, options: dict[str, Any], *own: str) -> LongContextOptions:
    """The -T options of FAMILY (whose own options are OWN) validated, agent first, or one line."""
    return family_options(LongContextOptions, family, options, own=own, agents=SANDBOX_FREE_AGENTS)


def long_context_solver(agent: AgentName) -> Solver:
    """`default` -> generate(); `oracle` -> the prompt parser; `null` -> nothing."""
    if agent == "default":
        return generate()
    return resolve_agent(agent, oracle=long_context_oracle())


def long_context_task(
    family: str,
    opts: LongContextOptions,
    scorer: Scorer,
    build: Builder,
    answer_tokens: int = DEFAULT_ANSWER_TOKENS,
) -> Task:
    """The one task body: size the grid, load the tokenizer, build the samples length by length.

    Args:
        family: The task's name (dataset name and metadata).
        opts: The validated options (`long_context_options`).
        scorer: The family's scorer.
        build: Makes the samples of some lengths with a tokenizer and the grid.
        answer_tokens: The family's default answer budget (when `opts` gives none).
    """
    solver = long_context_solver(opts.agent)
    cfg = grid_config(
        opts.lengths, opts.window, opts.seeds, opts.answer_tokens or answer_tokens, opts.control
    )
    lengths, skipped = cfg.usable_lengths()
    if not lengths:
        raise LongContextError(
            f"No length of {cfg.lengths} fits the window of {cfg.window} tokens; pass -T window=N "
            "or shorter -T lengths"
        )
    tok = load_tokenizer(opts.tokenizer)
    started = time.monotonic()
    samples = []
    for length in lengths:
        samples += build(tok, cfg, [length])
        if length >= 256 * 1024:  # long builds show progress
            elapsed = time.monotonic() - started
            progress(
                f"{family}: built {len(samples)} samples up to {length} tokens ({elapsed:.0f} s)"
            )
    return Task(
        dataset=MemoryDataset(samples, name=family),
        solver=solver,
        scorer=scorer,
        config=GenerateConfig(max_tokens=cfg.answer_tokens, temperature=0.0),
        fail_on_error=False,
        version=VERSION,
        metadata={
            "family": family,
            "window": cfg.window,
            "lengths": lengths,
            "skipped_lengths": skipped,
            "tokenizer": tok.name,
            "tokenizer_approximate": tok.approximate,
            "control": cfg.control,
        },
    )


@task
def niah(depths: str | list | None = None, **options: Any) -> Task:
    """Needle in a haystack: one key/value needle at each depth x length of an essay haystack.

    Args:
        depths: Needle depths in percent, e.g. `0,50,100` (default 0, 10, ... 100).
        **options: The options of every long-context task (`LongContextOptions`).
    """
    opts = long_context_options("niah", options, "depths")
    depth_list = list(DEFAULT_DEPTHS)
    if depths not in (None, ""):
        depth_list = [d / 100 for d in parse_list(depths, float, "depths")]
    for d in depth_list:
        if not 0 <= d <= 1:
            raise LongContextError(f"Depth {d * 100:g} is outside 0-100 (percent)")
    return long_context_task(
        "niah", opts, exact_answer(), lambda tok, cfg, ls: niah_samples(tok, cfg, ls, depth_list)
    )


@task
def ruler(families: str | list = "all", match: str | None = None, **options: Any) -> Task:
    """RULER's synthetic families (niah single/multikey/multivalue/multiquery, vt, cwe, fwe).

    Args:
        families: Comma-separated RULER families (default: all 11).
        match: `fraction` (RULER: share of references found) or `all` (all-or-nothing) for every
            family; default: `all` for vt, `fraction` for the rest.
        **options: The options of every long-context task (`LongContextOptions`).
    """
    opts = long_context_options("ruler", options, "families", "match")
    if match not in (None, ""):
        choice("ruler", "match", match, ("fraction", "all"))
    names = parse_variants(families)
    return long_context_task(
        "ruler",
        opts,
        ruler_match(match or None),
        lambda tok, cfg, ls: ruler_samples(tok, cfg, ls, names),
    )


@task
def mrcr(needles: str | list | int = "2,4,8", **options: Any) -> Task:
    """Multi-round coreference: reproduce the i-th of 2/4/8 identical requests' answers.

    Args:
        needles: Needle counts, any of 2, 4, 8 (default all three).
        **options: The options of every long-context task (`LongContextOptions`); the answer
            budget defaults to 512 tokens (answers are a few lines).
    """
    opts = long_context_options("mrcr", options, "needles")
    counts = [
        choice("mrcr", "needle count", n, DEFAULT_NEEDLES)
        for n in parse_list(needles, int, "needles")
    ]
    return long_context_task(
        "mrcr",
        opts,
        mrcr_similarity(),
        lambda tok, cfg, ls: mrcr_samples(tok, cfg, ls, counts),
        answer_tokens=512,
    )


@task
def repo_retrieval(kinds: str | list = "function,trace", **options: Any) -> Task:
    """Code retrieval in a generated repository: find a function by behaviour, trace a value.

    Args:
        kinds: `function`, `trace` or both (default).
        **options: The options of every long-context task (`LongContextOptions`).
    """
    opts = long_context_options("repo_retrieval", options, "kinds")
    kind_list = [
        choice("repo_retrieval", "kind", k, KINDS) for k in parse_list(kinds, str, "kinds")
    ]
    return long_context_task(
        "repo_retrieval",
        opts,
        exact_answer(),
        lambda tok, cfg, ls: repo_samples(tok, cfg, ls, kind_list),
    )
