"""The @task entry points: `niah`, `ruler`, `mrcr`, `repo_retrieval`.

Agents: `default` is plain generation (one `generate()`: these are prompt -> answer tasks, not
agentic ones, so the ReAct bash agent of other families is not used), `oracle` reads the answer
out of the prompt, `null` answers nothing.
"""

from __future__ import annotations

import logging
import time

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset
from inspect_ai.model import GenerateConfig
from inspect_ai.scorer import Scorer
from inspect_ai.solver import Solver, generate

from longcat_evals.evals.agents import resolve_agent
from longcat_evals.evals.long_context.config import GridConfig, grid_config, parse_list
from longcat_evals.evals.long_context.errors import LongContextError
from longcat_evals.evals.long_context.oracle import long_context_oracle
from longcat_evals.evals.long_context.scorers import exact_answer, mrcr_similarity, ruler_match
from longcat_evals.evals.long_context.tokenizer import load_tokenizer

logger = logging.getLogger(__name__)
VERSION = 1
FAMILIES = ("niah", "ruler", "mrcr", "repo_retrieval")


def long_context_agent(agent: str) -> Solver:
    """`default` -> generate(); `oracle` -> the prompt parser; `null` -> nothing."""
    if agent == "default":
        return generate()
    if agent == "mini":
        raise LongContextError(
            "Agent 'mini' needs a sandbox; long-context tasks take agent=default|oracle|null"
        )
    try:
        return resolve_agent(agent, oracle=long_context_oracle())
    except ValueError as e:
        raise LongContextError(f"{e}; long-context tasks take agent=default|oracle|null") from e


def _task(name: str, cfg: GridConfig, tokenizer, agent: str, scorer: Scorer, build) -> Task:
    solver = long_context_agent(agent)  # validate the agent before any heavy work
    lengths, skipped = cfg.usable_lengths()
    if not lengths:
        raise LongContextError(
            f"No length of {cfg.lengths} fits the window of {cfg.window} tokens; pass -T window=N "
            "or shorter -T lengths"
        )
    tok = load_tokenizer(tokenizer)
    started = time.monotonic()
    samples = []
    for length in lengths:
        samples += build(tok, [length])
        if length >= 256 * 1024:  # long builds show progress
            logger.warning(
                "%s: built %d samples up to %d tokens (%.0f s)",
                name,
                len(samples),
                length,
                time.monotonic() - started,
            )
    return Task(
        dataset=MemoryDataset(samples, name=name),
        solver=solver,
        scorer=scorer,
        config=GenerateConfig(max_tokens=cfg.answer_tokens, temperature=0.0),
        fail_on_error=False,
        version=VERSION,
        metadata={
            "family": name,
            "window": cfg.window,
            "lengths": lengths,
            "skipped_lengths": skipped,
            "tokenizer": tok.name,
            "tokenizer_approximate": tok.approximate,
            "control": cfg.control,
        },
    )


@task
def niah(
    agent: str = "default",
    lengths: str | list | None = None,
    depths: str | list | None = None,
    seeds: int | str | list = 1,
    tokenizer: str | None = None,
    window: int | str | None = None,
    answer_tokens: int = 128,
    control: bool = False,
) -> Task:
    """Needle in a haystack: one key/value needle at each depth x length of an essay haystack.

    Args:
        agent: `default` (plain generation), `oracle` (reads the answer from the prompt) or `null`.
        lengths: Total token budgets, e.g. `4k,32k,1m` (default: 4K, 8K, ... 1M; those above the
            window are skipped with a reason; explicit ones above it are an error).
        depths: Needle depths in percent, e.g. `0,50,100` (default 0, 10, ... 100).
        seeds: Number of seeds (an int) or a list of seeds, e.g. `0,7`.
        tokenizer: tokenizer.json path, a directory with one, or a Hugging Face name (needs
            the hub); default: the shipped BPE (counts then approximate the model's).
        window: The model's context window in tokens (default 1M = 1048576).
        answer_tokens: Tokens reserved for (and allowed in) the answer.
        control: Build the no-context control: the question without the haystack.
    """
    from longcat_evals.evals.long_context.niah import DEFAULT_DEPTHS, niah_samples

    cfg = grid_config(lengths, window, seeds, answer_tokens, control)
    depth_list = (
        [float(d) / 100 for d in parse_list(depths)]
        if depths not in (None, "")
        else list(DEFAULT_DEPTHS)
    )
    for d in depth_list:
        if not 0 <= d <= 1:
            raise LongContextError(f"Depth {d * 100:g} is outside 0-100 (percent)")
    return _task(
        "niah",
        cfg,
        tokenizer,
        agent,
        exact_answer(),
        lambda tok, ls: niah_samples(tok, cfg, ls, depth_list),
    )


@task
def ruler(
    agent: str = "default",
    families: str | list = "all",
    lengths: str | list | None = None,
    seeds: int | str | list = 1,
    tokenizer: str | None = None,
    window: int | str | None = None,
    answer_tokens: int = 128,
    match: str | None = None,
    control: bool = False,
) -> Task:
    """RULER's synthetic families (niah single/multikey/multivalue/multiquery, vt, cwe, fwe).

    Args:
        agent: `default` (plain generation), `oracle` or `null`.
        families: Comma-separated RULER families (default: all 11).
        lengths: Total token budgets (see `niah`).
        seeds: Number of seeds or a list of seeds.
        tokenizer: tokenizer.json path, directory or Hugging Face name (see `niah`).
        window: The model's context window in tokens (default 1M).
        answer_tokens: Tokens reserved for the answer.
        match: `fraction` (RULER: share of references found) or `all` (all-or-nothing) for every
            family; default: `all` for vt, `fraction` for the rest.
        control: Build the no-context control.
    """
    from longcat_evals.evals.long_context.ruler import parse_variants, ruler_samples

    if match not in (None, "", "fraction", "all"):
        raise LongContextError(f"Unknown match '{match}' (known: fraction, all)")
    names = parse_variants(families)
    cfg = grid_config(lengths, window, seeds, answer_tokens, control)
    return _task(
        "ruler",
        cfg,
        tokenizer,
        agent,
        ruler_match(match or None),
        lambda tok, ls: ruler_samples(tok, cfg, ls, names),
    )


@task
def mrcr(
    agent: str = "default",
    needles: str | list | int = "2,4,8",
    lengths: str | list | None = None,
    seeds: int | str | list = 1,
    tokenizer: str | None = None,
    window: int | str | None = None,
    answer_tokens: int = 512,
    control: bool = False,
) -> Task:
    """Multi-round coreference: reproduce the i-th of 2/4/8 identical requests' answers.

    Args:
        agent: `default` (plain generation), `oracle` or `null`.
        needles: Needle counts, any of 2, 4, 8 (default all three).
        lengths: Total token budgets (see `niah`).
        seeds: Number of seeds or a list of seeds.
        tokenizer: tokenizer.json path, directory or Hugging Face name (see `niah`).
        window: The model's context window in tokens (default 1M).
        answer_tokens: Tokens reserved for the answer (answers are a few lines).
        control: Build the no-context control.
    """
    from longcat_evals.evals.long_context.mrcr import DEFAULT_NEEDLES, mrcr_samples

    counts = parse_list(needles, int)
    for n in counts:
        if n not in DEFAULT_NEEDLES:
            raise LongContextError(f"Unknown mrcr needle count {n} (known: 2, 4, 8)")
    cfg = grid_config(lengths, window, seeds, answer_tokens, control)
    return _task(
        "mrcr",
        cfg,
        tokenizer,
        agent,
        mrcr_similarity(),
        lambda tok, ls: mrcr_samples(tok, cfg, ls, counts),
    )


@task
def repo_retrieval(
    agent: str = "default",
    kinds: str | list = "function,trace",
    lengths: str | list | None = None,
    seeds: int | str | list = 1,
    tokenizer: str | None = None,
    window: int | str | None = None,
    answer_tokens: int = 128,
    control: bool = False,
) -> Task:
    """Code retrieval in a generated repository: find a function by behaviour, trace a value.

    Args:
        agent: `default` (plain generation), `oracle` or `null`.
        kinds: `function`, `trace` or both (default).
        lengths: Total token budgets (see `niah`).
        seeds: Number of seeds or a list of seeds.
        tokenizer: tokenizer.json path, directory or Hugging Face name (see `niah`).
        window: The model's context window in tokens (default 1M).
        answer_tokens: Tokens reserved for the answer.
        control: Build the no-context control.
    """
    from longcat_evals.evals.long_context.repo import repo_samples

    kind_list = parse_list(kinds)
    cfg = grid_config(lengths, window, seeds, answer_tokens, control)
    return _task(
        "repo_retrieval",
        cfg,
        tokenizer,
        agent,
        exact_answer(),
        lambda tok, ls: repo_samples(tok, cfg, ls, kind_list),
    )
