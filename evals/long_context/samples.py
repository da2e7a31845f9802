"""Turn a family's generated parts into an Inspect Sample with sizing and provenance metadata."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

from inspect_ai.dataset import Sample

from longcat_evals.evals.long_context.config import GridConfig
from longcat_evals.evals.long_context.context import Insert, build
from longcat_evals.evals.long_context.haystack import Unit
from longcat_evals.evals.long_context.tokenizer import LoadedTokenizer

CONTROL_PREFIX = "Answer the question below. No document is provided.\n"


def sized_sample(
    tok: LoadedTokenizer,
    cfg: GridConfig,
    *,
    sample_id: str,
    family: str,
    length: int,
    seed: int,
    prefix: str,
    suffix: str,
    stream_factory: Callable[[], Iterator[Unit]],
    inserts: list[Insert],
    target: str | list[str],
    metadata: dict,
) -> Sample:
    """Build the prompt (or its no-context control) and wrap it as a Sample."""
    base = {
        "family": family,
        "length": length,
        "seed": seed,
        "tokenizer": tok.name,
        "tokenizer_approximate": tok.approximate,
        "control": cfg.control,
        "answer_tokens": cfg.answer_tokens,
        **metadata,
    }
    if cfg.control:
        prompt = CONTROL_PREFIX + suffix
        base.update(prompt_tokens=tok.count(prompt), target_tokens=None, context_tokens=0)
        sample_id = f"{sample_id}_control"
    else:
        built = build(
            tok,
            prefix=prefix,
            suffix=suffix,
            stream_factory=stream_factory,
            inserts=inserts,
            target_tokens=cfg.prompt_target(length),
        )
        prompt = built.prompt
        base.update(
            prompt_tokens=built.prompt_tokens,
            target_tokens=built.target_tokens,
            context_tokens=built.context_tokens,
            depths_measured=[round(d, 6) for d in built.depths],
            insert_chars=built.insert_chars,
            encodes=built.encodes,
        )
    base["prompt_sha256"] = hashlib.sha256(prompt.encode()).hexdigest()
    return Sample(id=sample_id, input=prompt, target=target, metadata=base)
