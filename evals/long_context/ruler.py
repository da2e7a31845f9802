"""`ruler`: RULER's synthetic families, re-implemented from the paper's description.

Retrieval (`niah_*`): needles "The special magic {number|uuid} for {key} is: {value}." in a
noise, essay or needle (distractor-only) haystack; single, multi-key (distractors), multi-value
and multi-query. Multi-hop tracing (`vt`): chains "VAR X = 12345", "VAR Y = VAR X", ... plus a
distractor chain, in the noise haystack. Aggregation (`cwe`, `fwe`): the 10 most common words of
a numbered list, the 3 most frequent words of a Zipf-distributed coded text. RULER's QA family
needs SQuAD/HotpotQA, which cannot be shipped here: not included.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections import Counter
from dataclasses import dataclass

from inspect_ai.dataset import Sample

from longcat_evals.evals.long_context.config import GridConfig
from longcat_evals.evals.long_context.context import Insert
from longcat_evals.evals.long_context.errors import LongContextError
from longcat_evals.evals.long_context.haystack import (
    STREAMS,
    count_units,
    generated_stream,
    rng_for,
    vocabulary,
)
from longcat_evals.evals.long_context.niah import random_key, random_number
from longcat_evals.evals.long_context.samples import sized_sample
from longcat_evals.evals.long_context.tokenizer import LoadedTokenizer

NEEDLE = "The special magic {kind} for {key} is: {value}.\n"
NIAH_PREFIX = (
    "Some special magic {kind}s are hidden within the following text. Make sure to memorize "
    "them. I will quiz you about the {kind}s afterwards.\n"
)
VT_PREFIX = "Memorize and track the chain(s) of variable assignment hidden in the following text.\n"
CWE_PREFIX = (
    "Below is a numbered list of words. In these words, some appear more often than others. "
    "Memorize the ones that appear most often.\n"
)
FWE_PREFIX = (
    "Read the following coded text and track the frequency of each coded word. Find the three "
    "most frequently appeared coded words.\nCoded text:\n"
)
ANSWER_HINT = " Answer with the {what} only, separated by commas."


@dataclass(frozen=True)
class Variant:
    haystack: str = "essay"
    key: str = "word"
    value: str = "number"
    keys: int = 1
    values: int = 1
    distractors: int = 0
    match: str = "fraction"


VARIANTS: dict[str, Variant | None] = {
    "niah_single_1": Variant(haystack="noise"),
    "niah_single_2": Variant(),
    "niah_single_3": Variant(value="uuid"),
    "niah_multikey_1": Variant(distractors=3),
    "niah_multikey_2": Variant(haystack="needle"),
    "niah_multikey_3": Variant(haystack="needle", key="uuid", value="uuid"),
    "niah_multivalue": Variant(values=4),
    "niah_multiquery": Variant(keys=4),
    "vt": None,
    "cwe": None,
    "fwe": None,
}
# RULER scores every family by the fraction of references found; variable tracking asks for a
# whole chain, so here it is all-or-nothing (the `match` option overrides both).
MATCH = {name: "all" if name == "vt" else "fraction" for name in VARIANTS}


def parse_variants(value) -> list[str]:
    from longcat_evals.evals.long_context.config import parse_list

    names = parse_list(value) if value not in (None, "", "all") else list(VARIANTS)
    for name in names:
        if name not in VARIANTS:
            raise LongContextError(f"Unknown RULER family '{name}' (known: {', '.join(VARIANTS)})")
    return names


def _item(kind: str, rng: random.Random) -> str:
    if kind == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return random_key(rng) if kind == "word" else random_number(rng)


def _niah(tok, cfg, name, v: Variant, length, seed, rng) -> Sample:
    kind = "uuid" if v.value == "uuid" else "number"
    keys: list[str] = []
    while len(keys) < v.keys + v.distractors:
        k = _item(v.key, rng)
        if k not in keys:
            keys.append(k)
    asked, others = keys[: v.keys], keys[v.keys :]
    answers = [_item(v.value, rng) for _ in range(v.keys * v.values)]
    needles = [
        NEEDLE.format(kind=kind, key=k, value=answers[i * v.values + j])
        for i, k in enumerate(asked)
        for j in range(v.values)
    ]
    needles += [NEEDLE.format(kind=kind, key=k, value=_item(v.value, rng)) for k in others]
    inserts = [Insert(n, rng.random()) for n in needles]
    h = rng.random()
    if v.haystack == "needle":
        taken = set(keys)

        def factory():
            r = random.Random(h)  # a fresh, identical stream for every sizing attempt

            def make() -> str:
                k = _item(v.key, r)
                while k in taken:
                    k = _item(v.key, r)
                return NEEDLE.format(kind=kind, key=k, value=_item(v.value, r))

            return generated_stream(tok, make)
    else:
        factory = lambda: STREAMS[v.haystack](tok, random.Random(h))  # noqa: E731
    if len(asked) == 1 and v.values == 1:
        question = (
            f"What is the special magic {kind} for {asked[0]} mentioned in the provided text?"
        )
        question += f" Answer with the {kind} only."
    elif len(asked) == 1:
        question = (
            f"What are all the special magic {kind}s for {asked[0]} mentioned in the provided text?"
        )
        question += ANSWER_HINT.format(what=f"{kind}s")
    else:
        listed = ", ".join(asked[:-1]) + f" and {asked[-1]}"
        question = (
            f"What are all the special magic {kind}s for {listed} mentioned in the provided text?"
        )
        question += ANSWER_HINT.format(what=f"{kind}s")
    return _sample(
        tok,
        cfg,
        name,
        length,
        seed,
        NIAH_PREFIX.format(kind=kind),
        question,
        factory,
        inserts,
        answers,
        {"keys": asked},
    )


def _vt(tok, cfg, name, length, seed, rng) -> Sample:
    used: set[str] = set()

    def var() -> str:
        while True:
            name = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(5))
            if name not in used:
                used.add(name)
                return name

    hops = 4
    chains = []
    values = rng.sample(range(10000, 100000), 2)  # two chains never share a value
    for value in values:  # the asked chain and one distractor chain
        chains.append((str(value), [var() for _ in range(hops + 1)]))
    value, names = chains[0]
    inserts = []
    for val, chain in chains:
        lines = [f"VAR {chain[0]} = {val}\n"] + [
            f"VAR {b} = VAR {a}\n" for a, b in zip(chain, chain[1:], strict=False)
        ]
        depths = sorted(rng.random() for _ in lines)
        inserts += [Insert(t, d) for t, d in zip(lines, depths, strict=True)]
    question = f"Find all variables that are assigned the value {value} in the text above."
    question += ANSWER_HINT.format(what="variable names")
    h = rng.random()
    factory = lambda: STREAMS["noise"](tok, random.Random(h))  # noqa: E731
    return _sample(
        tok, cfg, name, length, seed, VT_PREFIX, question, factory, inserts, names, {"value": value}
    )


def _plan_words(tok, cfg, length, rng, words, weights, per_line, numbered) -> list[str]:
    """Enough words (drawn by WEIGHTS) to overfill the prompt budget, as haystack lines."""
    sample = rng.choices(words, weights=weights, k=400)
    probe = _lines(sample, per_line, numbered)
    tokens_per_word = sum(u.tokens for u in count_units(tok, probe)) / len(sample)
    n = int(cfg.prompt_target(length) / tokens_per_word * 1.1) + 50
    return _lines(rng.choices(words, weights=weights, k=n), per_line, numbered)


def _lines(words: list[str], per_line: int, numbered: bool) -> list[str]:
    if numbered:
        return [f"{i}. {w}\n" for i, w in enumerate(words, 1)]
    return [" ".join(words[i : i + per_line]) + "\n" for i in range(0, len(words), per_line)]


def _aggregation(tok, cfg, name, length, seed, rng) -> Sample:
    if name == "cwe":
        vocab = list(vocabulary())
        rng.shuffle(vocab)
        common, rare = vocab[:10], vocab[10:]
        # Common words take a fifth of the list: far above any rare word at every length.
        weights = [0.02] * 10 + [0.8 / len(rare)] * len(rare)
        lines = _plan_words(tok, cfg, length, rng, common + rare, weights, 1, True)
        top, prefix = 10, CWE_PREFIX
        question = "What are the 10 most common words in the above list?"
    else:
        coded = sorted(
            {
                "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6))
                for _ in range(800)
            }
        )
        rng.shuffle(coded)
        weights = [1 / (k + 1) ** 2 for k in range(len(coded))]  # Zipf, alpha = 2
        lines = _plan_words(tok, cfg, length, rng, coded, weights, 10, False)
        top, prefix = 3, FWE_PREFIX
        question = "What are the 3 most frequently appeared coded words in the above coded text?"
    question += ANSWER_HINT.format(what="words")
    units = count_units(tok, lines)
    sample = _sample(
        tok, cfg, name, length, seed, prefix, question, lambda: itertools.cycle(units), [], [], {}
    )
    # The answer is what the prompt holds: count the words that made it in (the list is cut).
    region = sample.input[len(prefix) : sample.input.rindex("\n" + question)]
    items = [line.split(". ", 1)[-1] if name == "cwe" else line for line in region.splitlines()]
    counts = Counter(w for line in items for w in line.split() if not w.endswith("."))
    ranked = counts.most_common(top + 1)
    if not cfg.control and (len(ranked) <= top or ranked[top - 1][1] <= ranked[top][1]):
        raise LongContextError(f"{name} at length {length}: top-{top} words are not distinct")
    answers = [w for w, _ in ranked[:top]] if not cfg.control else _planned_top(lines, top)
    sample.target = answers
    sample.metadata["answers"] = answers
    return sample


def _planned_top(lines: list[str], top: int) -> list[str]:
    counts = Counter(w for line in lines for w in line.split() if not w.endswith("."))
    return [w for w, _ in counts.most_common(top)]


def _sample(tok, cfg, name, length, seed, prefix, question, factory, inserts, answers, extra):
    return sized_sample(
        tok,
        cfg,
        sample_id=f"ruler_{name}_L{length}_s{seed}",
        family="ruler",
        length=length,
        seed=seed,
        prefix=prefix,
        suffix="\n" + question,
        stream_factory=factory,
        inserts=inserts,
        target=answers,
        metadata={
            "variant": name,
            "answers": answers,
            "match": MATCH[name],
            "depths": [i.depth for i in inserts],
            **extra,
        },
    )


def ruler_samples(
    tok: LoadedTokenizer, cfg: GridConfig, lengths: list[int], names: list[str]
) -> list[Sample]:
    samples = []
    for length in lengths:
        for name in names:
            for seed in cfg.seeds:
                rng = rng_for("ruler", name, length, seed)
                variant = VARIANTS[name]
                if variant is not None:
                    samples.append(_niah(tok, cfg, name, variant, length, seed, rng))
                elif name == "vt":
                    samples.append(_vt(tok, cfg, name, length, seed, rng))
                else:
                    samples.append(_aggregation(tok, cfg, name, length, seed, rng))
    return samples
