"""`niah`: one needle (a key and a 7-digit value) at depths 0-100% of an essay haystack."""

from __future__ import annotations

import random

from inspect_ai.dataset import Sample

from longcat_evals.evals.long_context.config import GridConfig
from longcat_evals.evals.long_context.context import Insert
from longcat_evals.evals.long_context.haystack import essay_stream, rng_for, vocabulary
from longcat_evals.evals.long_context.samples import sized_sample
from longcat_evals.evals.long_context.tokenizer import LoadedTokenizer

DEFAULT_DEPTHS = tuple(i / 10 for i in range(11))
PREFIX = (
    "A special magic number is hidden within the following text. Make sure to memorize it. "
    "I will quiz you about it afterwards.\n"
)
NEEDLE = "The special magic number for {key} is: {value}.\n"
QUESTION = (
    "What is the special magic number for {key} mentioned in the provided text? "
    "Answer with the number only."
)


def random_key(rng: random.Random) -> str:
    words = vocabulary()
    return f"{rng.choice(words)}-{rng.choice(words)}"


def random_number(rng: random.Random, digits: int = 7) -> str:
    return str(rng.randrange(10 ** (digits - 1), 10**digits))


def niah_samples(
    tok: LoadedTokenizer, cfg: GridConfig, lengths: list[int], depths: list[float]
) -> list[Sample]:
    samples = []
    for length in lengths:
        for depth in depths:
            for seed in cfg.seeds:
                rng = rng_for("niah", length, depth, seed)
                key, value = random_key(rng), random_number(rng)
                hay_seed = rng.random()
                samples.append(
                    sized_sample(
                        tok,
                        cfg,
                        sample_id=f"niah_L{length}_d{round(depth * 100):03d}_s{seed}",
                        family="niah",
                        length=length,
                        seed=seed,
                        prefix=PREFIX,
                        suffix="\n" + QUESTION.format(key=key),
                        stream_factory=lambda h=hay_seed: essay_stream(tok, random.Random(h)),
                        inserts=[Insert(NEEDLE.format(key=key, value=value), depth)],
                        target=value,
                        metadata={
                            "variant": "niah",
                            "depth": depth,
                            "key": key,
                            "answers": [value],
                        },
                    )
                )
    return samples
