"""`mrcr`: multi-round coreference in the style of OpenAI's MRCR, generated from shipped text.

A long transcript of user requests ("Write a poem about tapirs.") and assistant answers (lines of
the shipped book). One request is asked N times (N = 2, 4 or 8 needles) with different answers,
among many near-identical requests (same format other topic, same topic other format). The
model must reproduce the i-th answer to that request, starting with a random prefix. Grading:
0 without the prefix, else difflib's sequence-matcher ratio of the rest against the answer.
"""

from __future__ import annotations

import random
import string

from inspect_ai.dataset import Sample

from longcat_evals.evals.long_context.config import GridConfig
from longcat_evals.evals.long_context.context import Insert
from longcat_evals.evals.long_context.haystack import (
    Unit,
    essay_lines,
    rng_for,
    unit_counts,
    vocabulary,
)
from longcat_evals.evals.long_context.samples import sized_sample
from longcat_evals.evals.long_context.tokenizer import LoadedTokenizer

FORMATS = (
    "poem",
    "riddle",
    "short story",
    "limerick",
    "fable",
    "letter",
    "speech",
    "song",
    "essay",
    "sonnet",
)
DEFAULT_NEEDLES = (2, 4, 8)
PREFIX = (
    "Below is a long conversation between a user and an assistant. Read it carefully; a "
    "question about it follows.\n"
)
QUESTION = (
    "Reproduce, exactly and in full, the {ordinal} {fmt} about {topic} that the assistant wrote "
    "in the conversation above (counting from the first one). Start your answer with the code "
    "{code} and write nothing else."
)
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
REQUEST = "User: Write {fmt} about {topic}.\nAssistant:\n"


def _a(fmt: str) -> str:
    return ("an " if fmt[0] in "aeiou" else "a ") + fmt


def _response(rng: random.Random) -> str:
    lines = essay_lines()
    start = rng.randrange(len(lines))
    return "".join(lines[(start + i) % len(lines)] for i in range(rng.randint(3, 7)))


def mrcr_samples(
    tok: LoadedTokenizer, cfg: GridConfig, lengths: list[int], needles: list[int]
) -> list[Sample]:
    samples = []
    for length in lengths:
        for n in needles:
            for seed in cfg.seeds:
                rng = rng_for("mrcr", n, length, seed)
                topics = rng.sample(vocabulary(), 12)
                fmt, topic = rng.choice(FORMATS), topics[0]
                answers = [_response(rng) for _ in range(n)]
                depths = sorted(rng.random() for _ in range(n))
                inserts = [
                    Insert(REQUEST.format(fmt=_a(fmt), topic=topic) + a, d)
                    for a, d in zip(answers, depths, strict=True)
                ]
                index = rng.randrange(n)
                code = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(10))
                h = rng.random()

                def factory(h=h, fmt=fmt, topic=topic, topics=topics):
                    r = random.Random(h)
                    lines = essay_lines()
                    line_tokens = unit_counts(tok, "essay", lines)
                    headers: dict[tuple[str, str], int] = {}
                    while True:
                        # Near-identical requests: same format or same topic, never both.
                        f, t = r.choice(FORMATS), r.choice(topics)
                        if (f, t) == (fmt, topic):
                            continue
                        head = REQUEST.format(fmt=_a(f), topic=t)
                        if (f, t) not in headers:
                            headers[(f, t)] = tok.count(head)
                        # Counts add up from cached line counts: no encode of the filler.
                        start, size = r.randrange(len(lines)), r.randint(3, 7)
                        picked = [(start + i) % len(lines) for i in range(size)]
                        yield Unit(
                            head + "".join(lines[i] for i in picked),
                            headers[(f, t)] + sum(line_tokens[i] for i in picked),
                        )

                target = code + answers[index].rstrip("\n")
                question = QUESTION.format(ordinal=ORDINALS[index], fmt=fmt, topic=topic, code=code)
                samples.append(
                    sized_sample(
                        tok,
                        cfg,
                        sample_id=f"mrcr_{n}needle_L{length}_s{seed}",
                        family="mrcr",
                        length=length,
                        seed=seed,
                        prefix=PREFIX,
                        suffix="\n" + question,
                        stream_factory=factory,
                        inserts=inserts,
                        target=target,
                        metadata={
                            "variant": f"{n}needle",
                            "needles": n,
                            "index": index + 1,
                            "code": code,
                            "format": fmt,
                            "topic": topic,
                            "depths": depths,
                            "answers": [target],
                        },
                    )
                )
    return samples
