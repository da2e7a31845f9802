"""Assemble a prompt of an exact token budget: prefix + haystack with inserts + suffix.

Sizing never re-encodes the haystack: units carry their counts (see haystack.py), the last filler
unit is cut at a word boundary, inserts go at the unit boundary nearest their depth. ONE encode
of the finished prompt then verifies the count and measures where each insert landed. Only when
a foreign tokenizer merges across a seam (count off) is the budget corrected and the prompt
re-encoded (at most MAX_ATTEMPTS times; the number of encodes is recorded).

Tolerance (documented in the README): prompt tokens are never above the target and at most
`TOLERANCE_TOKENS` below it (the cut lands on a word boundary).
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field

from longcat_evals.evals.long_context.errors import LongContextError
from longcat_evals.evals.long_context.haystack import Unit
from longcat_evals.evals.long_context.tokenizer import LoadedTokenizer

TOLERANCE_TOKENS = 32
MAX_ATTEMPTS = 5
WORD_SLACK = 8


@dataclass(frozen=True)
class Insert:
    """A text placed in the haystack at DEPTH (fraction of haystack tokens before it)."""

    text: str
    depth: float


@dataclass
class Built:
    prompt: str
    target_tokens: int
    prompt_tokens: int
    context_tokens: int
    """Tokens of the haystack region (filler + inserts)."""
    depths: list[float] = field(default_factory=list)
    """Measured depth of each insert: filler tokens before it / all filler tokens."""
    insert_chars: list[int] = field(default_factory=list)
    encodes: int = 1


def _cut(tok: LoadedTokenizer, text: str, budget: int) -> Unit | None:
    """The longest prefix of TEXT (+ newline) with at most BUDGET tokens, counted exactly.

    Prefer a word boundary (a token that starts at, or just after, a space following a letter
    or digit) within WORD_SLACK tokens of the budget; else any token boundary (long uuids and
    code have few spaces).
    """
    body = text.rstrip("\n")
    starts = [s for s, _ in tok.encode(body).offsets]
    top = min(budget - 1, len(starts) - 1)
    for word_only in (True, False):
        for k in range(top, max(0, top - WORD_SLACK) if word_only else 0, -1):
            s = starts[k]
            if word_only:
                if 1 < s < len(body) and body[s] != " " and body[s - 1] == " ":
                    s -= 1
                if not (0 < s < len(body) and body[s] == " " and body[s - 1].isalnum()):
                    continue
            piece = body[:s].rstrip() + "\n"
            n = tok.count(piece)
            if 0 < s and n <= budget:
                return Unit(piece, n)
    return None


def _filler(tok: LoadedTokenizer, stream, budget: int) -> tuple[list[str], list[int]]:
    """Texts and token counts of filler units summing to at most BUDGET (last one cut)."""
    if hasattr(stream, "take"):  # a counted corpus: slice it
        texts, counts, nxt = stream.take(budget)
        total = sum(counts)
    else:
        texts, counts, total, nxt = [], [], 0, None
        for unit in stream:
            if total + unit.tokens > budget:
                nxt = unit
                break
            texts.append(unit.text)
            counts.append(unit.tokens)
            total += unit.tokens
    rest = budget - total
    if nxt is not None and rest > 1:
        piece = _cut(tok, nxt.text, rest)
        if piece is not None:
            texts.append(piece.text)
            counts.append(piece.tokens)
    return texts, counts


def _assemble(prefix: str, filler: tuple[list[str], list[int]], inserts: list[Insert], suffix: str):
    """Prompt text and the character offset of each insert and of the haystack's ends."""
    texts, counts = filler
    cum = [0, *itertools.accumulate(counts)]
    total = cum[-1]
    slots: dict[int, list[int]] = {}
    for i in sorted(range(len(inserts)), key=lambda i: inserts[i].depth):
        slots.setdefault(bisect.bisect_left(cum, inserts[i].depth * total), []).append(i)
    parts = [prefix]
    insert_chars = [0] * len(inserts)
    pos, done = len(prefix), 0
    for b in sorted(slots):
        # Filler units before slot B, then the inserts that go there.
        parts += texts[done:b]
        pos += sum(map(len, texts[done:b]))
        done = b
        for i in slots[b]:
            insert_chars[i] = pos
            parts.append(inserts[i].text)
            pos += len(inserts[i].text)
    parts += texts[done:]
    pos += sum(map(len, texts[done:]))
    return "".join(parts + [suffix]), insert_chars, len(prefix), pos


def build(
    tok: LoadedTokenizer,
    *,
    prefix: str,
    suffix: str,
    stream_factory,
    inserts: list[Insert],
    target_tokens: int,
) -> Built:
    """Build a prompt of TARGET_TOKENS (within tolerance) from a fresh stream per attempt."""
    fixed = tok.count(prefix) + tok.count(suffix) + sum(tok.count(i.text) for i in inserts)
    budget = target_tokens - fixed
    if budget < 0:
        raise LongContextError(
            f"Target of {target_tokens} tokens is smaller than the prompt without haystack "
            f"({fixed} tokens); choose a longer length"
        )
    for attempt in range(1, MAX_ATTEMPTS + 1):
        filler = _filler(tok, stream_factory(), max(0, budget))
        prompt, insert_chars, ctx_start, ctx_end = _assemble(prefix, filler, inserts, suffix)
        enc = tok.encode(prompt)
        n = len(enc)
        if target_tokens - TOLERANCE_TOKENS <= n <= target_tokens:
            return _measure(
                enc, prompt, target_tokens, inserts, insert_chars, ctx_start, ctx_end, attempt
            )
        # Seams merged differently than counted (a foreign pre-tokenizer): the error grows with
        # the number of units, so rescale the filler budget towards the middle of the band.
        aim = target_tokens - TOLERANCE_TOKENS // 2 - fixed
        budget = max(0, round(budget * aim / max(1, n - fixed)))
    raise LongContextError(
        f"Could not size a prompt to {target_tokens} tokens with tokenizer {tok.name} "
        f"(last attempt: {n}); its pre-tokenizer merges across line seams"
    )


def _measure(enc, prompt, target, inserts, insert_chars, ctx_start, ctx_end, attempts) -> Built:
    starts: list[int] = []

    def index(char: int) -> int:
        """Index of the first token starting at or after CHAR."""
        # char_to_token asks Rust directly; materialising 1M offsets would cost ~0.1x an encode.
        token = enc.char_to_token(char) if char < len(prompt) else None
        if token is not None and enc.token_to_chars(token)[0] == char:
            return token
        if not starts:  # rare: CHAR inside a token or unmapped (e.g. a replaced space)
            starts.extend(s for s, _ in enc.offsets)
        return bisect.bisect_left(starts, char)

    first, last = index(ctx_start), index(ctx_end)
    lengths = [
        index(c + len(ins.text)) - index(c) for ins, c in zip(inserts, insert_chars, strict=True)
    ]
    filler_total = (last - first) - sum(lengths)
    depths = []
    for c in insert_chars:
        before = index(c) - first
        before -= sum(n for n, other in zip(lengths, insert_chars, strict=True) if other < c)
        depths.append(before / filler_total if filler_total else 0.0)
    return Built(prompt, target, len(enc), last - first, depths, insert_chars, attempts)
