"""`repo_retrieval`: a generated Python repository, printed file by file, sized to the length.

Two kinds of question, graded exactly:
- `function`: find the one function whose behaviour matches a description (with two worked
  examples) among thousands of near-duplicates (same code shapes, other constants);
- `trace`: a constant defined in one file, imported and transformed in the next, over four
  files; give the final value (a second, distractor chain runs beside it).
"""

from __future__ import annotations

import keyword
import random
from functools import lru_cache

from inspect_ai.dataset import Sample

from longcat_evals.evals.long_context.config import GridConfig
from longcat_evals.evals.long_context.context import Insert
from longcat_evals.evals.long_context.errors import LongContextError
from longcat_evals.evals.long_context.haystack import generated_stream, rng_for, vocabulary
from longcat_evals.evals.long_context.samples import sized_sample
from longcat_evals.evals.long_context.tokenizer import LoadedTokenizer

KINDS = ("function", "trace")
PREFIX = (
    "Below are the files of a Python repository. Read them; a question about the code follows.\n"
)
# (code body with {v} {k1} {k2}, behaviour, description)
SHAPES = (
    (
        "    {v} = a * {k1} + b\n    return {v} % {k2}\n",
        lambda a, b, k1, k2: (a * k1 + b) % k2,
        "multiplies its first argument by {k1}, adds its second argument, and returns the "
        "remainder of that divided by {k2}",
    ),
    (
        "    {v} = (a + {k1}) * b\n    return {v} - {k2}\n",
        lambda a, b, k1, k2: (a + k1) * b - k2,
        "adds {k1} to its first argument, multiplies that by its second argument, and "
        "subtracts {k2}",
    ),
    (
        "    {v} = max(a, b) * {k1}\n    return {v} + {k2}\n",
        lambda a, b, k1, k2: max(a, b) * k1 + k2,
        "multiplies the larger of its two arguments by {k1} and adds {k2}",
    ),
    (
        "    {v} = abs(a - b) * {k1}\n    return {v} % {k2}\n",
        lambda a, b, k1, k2: abs(a - b) * k1 % k2,
        "multiplies the absolute difference of its two arguments by {k1} and returns the "
        "remainder of that divided by {k2}",
    ),
    (
        "    {v} = a * b + {k1}\n    return {v} // {k2}\n",
        lambda a, b, k1, k2: (a * b + k1) // k2,
        "multiplies its two arguments, adds {k1}, and floor-divides the result by {k2}",
    ),
)
EXAMPLES = ((3, 4), (10, 7))


@lru_cache(maxsize=1)
def _identifiers() -> tuple[str, ...]:
    # Book words that are not Python keywords: they become names and local variables.
    return tuple(w for w in vocabulary() if not keyword.iskeyword(w))


def _word(rng: random.Random) -> str:
    return rng.choice(_identifiers())


def _spec(rng: random.Random) -> tuple[int, int, int]:
    return rng.randrange(len(SHAPES)), rng.randint(2, 97), rng.randint(3, 997)


def _outputs(spec) -> tuple[int, ...]:
    shape, k1, k2 = spec
    return tuple(SHAPES[shape][1](a, b, k1, k2) for a, b in EXAMPLES)


def _function(name: str, spec, rng: random.Random) -> str:
    shape, k1, k2 = spec
    return f"def {name}(a, b):\n" + SHAPES[shape][0].format(v=_word(rng), k1=k1, k2=k2)


def _factory(tok, h: float, pkg: str, reserved: set[str], avoid: tuple[int, ...] | None):
    def factory():
        r = random.Random(h)
        names = set(reserved)
        pending: list[str] = []

        def make() -> str:
            if not pending:
                pending.append(f"# File: src/{pkg}/{_word(r)}.py\n")
                for _ in range(r.randint(3, 8)):
                    name = f"{_word(r)}_{_word(r)}"
                    spec = _spec(r)
                    # Near-duplicates only: nothing else may behave like the asked function.
                    if name in names or (avoid is not None and _outputs(spec) == avoid):
                        continue
                    names.add(name)
                    pending.append(_function(name, spec, r))
            return pending.pop(0)

        return generated_stream(tok, make, batch=256)

    return factory


def _chain(rng: random.Random, pkg: str, names: set[str]) -> tuple[list[str], str, int, str]:
    """Four mini-files; returns (texts, final name, final value, final module path)."""
    value = rng.randint(2, 99)
    texts, prev, prev_mod = [], None, None
    for _hop in range(4):
        name = f"{_word(rng)}_{_word(rng)}".upper()
        while name in names:
            name = f"{_word(rng)}_{_word(rng)}".upper()
        names.add(name)
        module = f"{_word(rng)}_settings"
        text = f"# File: src/{pkg}/{module}.py\n"
        if prev is None:
            text += f"{name} = {value}\n"
        else:
            m, c = rng.randint(2, 9), rng.randint(1, 50)
            text += f"from src.{pkg}.{prev_mod} import {prev}\n{name} = {prev} * {m} + {c}\n"
            value = value * m + c
        texts.append(text)
        prev, prev_mod = name, module
    return texts, prev, value, f"src/{pkg}/{prev_mod}.py"


def repo_samples(
    tok: LoadedTokenizer, cfg: GridConfig, lengths: list[int], kinds: list[str]
) -> list[Sample]:
    for kind in kinds:
        if kind not in KINDS:
            raise LongContextError(
                f"Unknown repo_retrieval kind '{kind}' (known: {', '.join(KINDS)})"
            )
    samples = []
    for length in lengths:
        for kind in kinds:
            for seed in cfg.seeds:
                rng = rng_for("repo_retrieval", kind, length, seed)
                pkg = _word(rng)
                if kind == "function":
                    name, spec = f"{_word(rng)}_{_word(rng)}", _spec(rng)
                    depth = rng.random()
                    inserts = [Insert(_function(name, spec, rng), depth)]
                    outs = _outputs(spec)
                    desc = SHAPES[spec[0]][2].format(k1=spec[1], k2=spec[2])
                    examples = " and ".join(
                        f"{o} for ({a}, {b})" for (a, b), o in zip(EXAMPLES, outs, strict=True)
                    )
                    question = (
                        f"Which function takes two integers and {desc}? For example, it "
                        f"returns {examples}. Answer with the function's name only."
                    )
                    target, reserved, avoid, depths = name, {name}, outs, [depth]
                else:
                    names: set[str] = set()
                    texts, final, value, path = _chain(rng, pkg, names)
                    other, *_ = _chain(rng, pkg, names)
                    depths = sorted(rng.random() for _ in texts) + sorted(
                        rng.random() for _ in other
                    )
                    inserts = [Insert(t, d) for t, d in zip(texts + other, depths, strict=True)]
                    question = (
                        f"What is the value of {final} defined in {path}? Follow the "
                        "imports across files. Answer with the integer only."
                    )
                    target, reserved, avoid = str(value), set(), None
                samples.append(
                    sized_sample(
                        tok,
                        cfg,
                        sample_id=f"repo_retrieval_{kind}_L{length}_s{seed}",
                        family="repo_retrieval",
                        length=length,
                        seed=seed,
                        prefix=PREFIX,
                        suffix="\n" + question,
                        stream_factory=_factory(tok, rng.random(), pkg, reserved, avoid),
                        inserts=inserts,
                        target=target,
                        metadata={"variant": kind, "depths": depths, "answers": [target]},
                    )
                )
    return samples
