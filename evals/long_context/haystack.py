"""Haystack material: the shipped essay text, RULER's noise sentence, and unit streams.

A haystack is a stream of UNITS: short texts that each end with one newline and start with a
non-space character. At such seams every regex-based pre-tokenizer splits the same way in and
out of context, so a unit's token count (measured once, alone) adds up exactly, and a haystack of
any length is built by recombining counted units instead of re-encoding text. The shipped text
is ~98K tokens; longer haystacks cycle through it from a seeded start line (documented in the
README: a 1M-token essay haystack repeats the book about ten times).
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import random
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from longcat_evals.evals.long_context.tokenizer import LoadedTokenizer

DATA_DIR = Path(__file__).resolve().parents[2] / "tasks" / "long_context"
ESSAY_FILE = DATA_DIR / "devils_dictionary.txt"
# RULER's noise haystack: one repeated, meaningless paragraph.
NOISE_UNIT = (
    "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.\n"
)


def rng_for(*parts: object) -> random.Random:
    """A Random seeded from the sha256 of PARTS (task, length, depth, seed, ...)."""
    digest = hashlib.sha256("/".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


class Unit(NamedTuple):
    """A haystack unit and its token count (a tuple: hundreds of thousands are made)."""

    text: str
    tokens: int


@lru_cache(maxsize=1)
def essay_lines() -> tuple[str, ...]:
    """The shipped book, one unit per line."""
    return tuple(ESSAY_FILE.read_text(encoding="utf-8").splitlines(keepends=True))


@lru_cache(maxsize=1)
def vocabulary() -> tuple[str, ...]:
    """Distinct lower-case words (4-12 letters) of the shipped text, in first-seen order."""
    seen: dict[str, None] = {}
    for word in re.findall(r"\b[A-Za-z]{4,12}\b", ESSAY_FILE.read_text(encoding="utf-8")):
        seen.setdefault(word.lower(), None)
    return tuple(seen)


_COUNTS: dict[tuple[str, str], tuple[int, ...]] = {}


def unit_counts(tok: LoadedTokenizer, name: str, units: tuple[str, ...]) -> tuple[int, ...]:
    """Token counts of UNITS under TOK: one batch encode per (tokenizer, haystack), cached."""
    key = (tok.fingerprint, name)
    if key not in _COUNTS:
        encoded = tok.tokenizer.encode_batch(list(units), add_special_tokens=False)
        _COUNTS[key] = tuple(len(e) for e in encoded)
    return _COUNTS[key]


def count_units(tok: LoadedTokenizer, texts: list[str]) -> list[Unit]:
    """Count freshly generated units in one batch encode (measured faster here than one encode
    of their concatenation, which is slow on number-heavy text)."""
    encoded = tok.tokenizer.encode_batch(texts, add_special_tokens=False)
    return [Unit(t, len(e)) for t, e in zip(texts, encoded, strict=True)]


class Cycle:
    """Endless stream of counted UNITS from index START, wrapping around.

    `take` is the fast path used by the builder: whole units up to a token budget by slicing
    and prefix sums (no per-unit Python work), then the unit to cut.
    """

    def __init__(self, tok: LoadedTokenizer, name: str, units: tuple[str, ...], start: int):
        self.units = units
        self.counts = unit_counts(tok, name, units)
        self.cum = _prefix_sums(tok.fingerprint, name, self.counts)
        self.start = start % len(units)

    def __iter__(self) -> Iterator[Unit]:
        i = self.start
        while True:
            yield Unit(self.units[i], self.counts[i])
            i = (i + 1) % len(self.units)

    def take(self, budget: int) -> tuple[list[str], list[int], Unit]:
        """Whole units with at most BUDGET tokens in all, and the next unit (to be cut)."""
        texts: list[str] = []
        counts: list[int] = []
        cum, i, left = self.cum, self.start, budget
        if left >= cum[-1] and i == 0:  # whole passes over a short corpus (the noise unit)
            passes = left // cum[-1]
            texts += self.units * passes
            counts += self.counts * passes
            left -= passes * cum[-1]
        while True:
            # Largest j with cum[j] - cum[i] <= left, within this pass over the corpus.
            j = bisect.bisect_right(cum, cum[i] + left, lo=i) - 1
            texts += self.units[i:j]
            counts += self.counts[i:j]
            left -= cum[j] - cum[i]
            if j < len(self.units):
                return texts, counts, Unit(self.units[j], self.counts[j])
            i = 0  # wrapped: the whole rest of the corpus fitted


_SUMS: dict[tuple[str, str], list[int]] = {}


def _prefix_sums(fingerprint: str, name: str, counts: tuple[int, ...]) -> list[int]:
    key = (fingerprint, name)
    if key not in _SUMS:
        _SUMS[key] = [0, *itertools.accumulate(counts)]
    return _SUMS[key]


def cycle(tok: LoadedTokenizer, name: str, units: tuple[str, ...], start: int) -> Cycle:
    """Endless stream of UNITS from index START, wrapping around."""
    return Cycle(tok, name, units, start)


def essay_stream(tok: LoadedTokenizer, rng: random.Random) -> Iterator[Unit]:
    """The book from a seeded line onwards, cycling."""
    lines = essay_lines()
    return cycle(tok, "essay", lines, rng.randrange(len(lines)))


def noise_stream(tok: LoadedTokenizer, rng: random.Random) -> Iterator[Unit]:
    return cycle(tok, "noise", (NOISE_UNIT,), 0)


def generated_stream(
    tok: LoadedTokenizer, make: Callable[[], str], batch: int = 512
) -> Iterator[Unit]:
    """Endless stream of units from MAKE(), counted in batches."""
    while True:
        yield from count_units(tok, [make() for _ in range(batch)])


STREAMS = {"essay": essay_stream, "noise": noise_stream}
