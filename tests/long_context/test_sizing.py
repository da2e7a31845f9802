"""Token-exact sizing and needle placement, checked with independent encodes of the prompt."""

from __future__ import annotations

import re

import pytest

from longcat_evals.evals.long_context.context import TOLERANCE_TOKENS

FAMILIES = ("niah", "ruler", "mrcr", "repo")
MILLION = 1024 * 1024


def needles_of(sample) -> list[str]:
    """The texts placed at the recorded depths, rebuilt from the metadata's answers."""
    meta = sample.metadata
    prompt = sample.input
    if meta["family"] == "niah":
        return [f"The special magic number for {meta['key']} is: {meta['answers'][0]}.\n"]
    if meta["family"] == "mrcr":
        return []  # checked in check_answers (the needles are whole exchanges)
    if meta["variant"] in ("cwe", "fwe", "function", "trace"):
        return []
    if meta["variant"] == "vt":
        return [line + "\n" for line in prompt.splitlines() if line.startswith("VAR ")]
    return [
        line + "\n"
        for line in prompt.splitlines()
        if line.startswith("The special magic") and any(a in line for a in meta["answers"])
    ]


def check_count(tok, sample) -> int:
    meta = sample.metadata
    n = len(tok.encode(sample.input).ids)  # independent of the builder's own count
    assert n == meta["prompt_tokens"], sample.id
    assert meta["target_tokens"] - TOLERANCE_TOKENS <= n <= meta["target_tokens"], (
        sample.id,
        n,
        meta["target_tokens"],
    )
    assert meta["target_tokens"] == meta["length"] - meta["answer_tokens"] - 32
    return n


def check_answers(sample) -> None:
    meta, prompt = sample.metadata, sample.input
    if meta["family"] == "mrcr":
        body = sample.target[len(meta["code"]) :]
        assert prompt.count(body + "\n") >= 1
        assert meta["code"] not in prompt.rsplit("\n", 1)[0]  # only the question names it
        return
    if meta["variant"] == "function":
        assert f"def {sample.target}(a, b):" in prompt
        return
    if meta["variant"] == "trace":
        final = re.search(r"value of ([A-Z0-9_]+) defined in", prompt.rsplit("\n", 1)[-1])[1]
        assert f"\n{final} = " in prompt
        assert prompt.count(" import ") >= 6  # two chains of three imports
        return
    for answer in meta["answers"]:
        assert answer in prompt, (sample.id, answer)


def check_depths(tok, sample) -> None:
    """Each needle sits at its requested depth: filler tokens before it / all filler tokens."""
    meta, prompt = sample.metadata, sample.input
    requested = [meta["depth"]] if meta["family"] == "niah" else meta.get("depths", [])
    assert len(meta["depths_measured"]) == len(requested)
    # Units are lines (~12 tokens); code functions and MRCR exchanges are larger.
    unit = {"mrcr": 400, "repo_retrieval": 80}.get(meta["family"], 40)
    tol = unit / max(1, meta["context_tokens"]) + 1e-3
    for want, got in zip(requested, meta["depths_measured"], strict=True):
        assert abs(want - got) <= tol, (sample.id, want, got)
    needles = needles_of(sample)
    if meta["family"] == "niah":
        # Independently: count tokens before the needle with a separate encode.
        (needle,) = needles
        pos = prompt.index(needle)
        prefix_tokens = len(tok.encode(prompt[: prompt.index("\n") + 1]).ids)
        before = len(tok.encode(prompt[:pos]).ids) - prefix_tokens
        filler = meta["context_tokens"] - len(tok.encode(needle).ids)
        assert abs(before / filler - meta["depth"]) <= tol, (sample.id, before / filler)
    for needle in needles:
        assert needle in prompt


@pytest.mark.parametrize("family", FAMILIES)
def test_sizes_and_needles_default_tokenizer(family, tok, make):
    for sample in make(family, tok, [4096, 32768]):
        check_count(tok, sample)
        check_answers(sample)
        check_depths(tok, sample)
        assert sample.metadata["encodes"] == 1  # one verifying encode for the shipped tokenizer
        assert sample.metadata["tokenizer_approximate"] is True


@pytest.mark.parametrize("family", FAMILIES)
def test_sizes_with_a_sentencepiece_style_tokenizer(family, metaspace_tok, make):
    for sample in make(family, metaspace_tok, [8192]):
        check_count(metaspace_tok, sample)
        check_answers(sample)
        check_depths(metaspace_tok, sample)
        assert sample.metadata["tokenizer_approximate"] is False


@pytest.mark.slow
@pytest.mark.parametrize(
    ("family", "options"),
    [
        ("niah", {"depths": [0.35]}),
        ("ruler", {"names": ["niah_multikey_2"]}),
        ("mrcr", {"needles": [8]}),
        ("repo", {"kinds": ["function"]}),
    ],
)
def test_one_million_tokens(family, options, tok, make):
    for sample in make(family, tok, [MILLION], **options):
        n = check_count(tok, sample)
        assert n > MILLION - 512 - 32 - TOLERANCE_TOKENS - 1
        check_answers(sample)
        check_depths(tok, sample)


def test_no_context_control_has_no_answer(tok, make):
    for family in FAMILIES:
        for sample in make(family, tok, [4096], control=True):
            assert sample.metadata["control"] is True
            assert sample.id.endswith("_control")
            assert sample.metadata["prompt_tokens"] < 300
            answers = [sample.target] if isinstance(sample.target, str) else sample.target
            for answer in answers:
                assert answer not in sample.input, sample.id
