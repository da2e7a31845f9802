"""Fixtures: the shipped tokenizer and a second, SentencePiece-style one trained here."""

from __future__ import annotations

import pytest
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers


@pytest.fixture(scope="session")
def tok():
    from longcat_evals.evals.long_context.tokenizer import load_tokenizer

    return load_tokenizer()


@pytest.fixture(scope="session")
def metaspace_tok(tmp_path_factory):
    """A real BPE tokenizer with a Metaspace pre-tokenizer (as SentencePiece models have): its
    seams do NOT add up like the default's, which exercises the sizing correction."""
    from longcat_evals.evals.long_context.haystack import ESSAY_FILE
    from longcat_evals.evals.long_context.tokenizer import load_tokenizer

    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    trainer = trainers.BpeTrainer(vocab_size=4000, special_tokens=["<unk>"], show_progress=False)
    tokenizer.train_from_iterator(ESSAY_FILE.read_text().splitlines(keepends=True), trainer)
    folder = tmp_path_factory.mktemp("metaspace")
    tokenizer.save(str(folder / "tokenizer.json"))
    return load_tokenizer(str(folder))  # a directory holding tokenizer.json


def build(family: str, tok, lengths, seeds=(0,), control=False, **options):
    """Samples of FAMILY built directly (no Inspect run)."""
    from longcat_evals.evals.long_context.config import grid_config

    answer = 512 if family == "mrcr" else 128
    cfg = grid_config(",".join(map(str, lengths)), None, list(seeds), answer, control)
    if family == "niah":
        from longcat_evals.evals.long_context.niah import niah_samples

        return niah_samples(tok, cfg, cfg.lengths, options.get("depths", [0.0, 0.5, 1.0]))
    if family == "ruler":
        from longcat_evals.evals.long_context.ruler import VARIANTS, ruler_samples

        return ruler_samples(tok, cfg, cfg.lengths, options.get("names", list(VARIANTS)))
    if family == "mrcr":
        from longcat_evals.evals.long_context.mrcr import mrcr_samples

        return mrcr_samples(tok, cfg, cfg.lengths, options.get("needles", [2, 4, 8]))
    from longcat_evals.evals.long_context.repo import repo_samples

    return repo_samples(tok, cfg, cfg.lengths, options.get("kinds", ["function", "trace"]))


@pytest.fixture(scope="session")
def make():
    """`make(family, tok, lengths, ...)`: build samples of a family."""
    return build
