"""The shipped assets are what the documented recipe produces."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from longcat_evals.evals.long_context import assets
from longcat_evals.evals.long_context.haystack import ESSAY_FILE, vocabulary
from longcat_evals.evals.long_context.tokenizer import DEFAULT_TOKENIZER, load_tokenizer

DEBIAN_FILE = Path("/usr/share/dictd/devil.dict.dz")


def test_tokenizer_retrains_identically_from_the_shipped_text():
    trained = assets.train_tokenizer(ESSAY_FILE.read_text(encoding="utf-8"))
    assert json.loads(trained.to_str()) == json.loads(DEFAULT_TOKENIZER.read_text())


@pytest.mark.skipif(not DEBIAN_FILE.exists(), reason="apt-get install dict-devil to check this")
def test_text_is_the_cleaned_debian_file():
    raw = gzip.decompress(DEBIAN_FILE.read_bytes()).decode("utf-8")
    assert assets.clean_dictionary(raw) == ESSAY_FILE.read_text(encoding="utf-8")


def test_shipped_text_shape_and_provenance():
    text = ESSAY_FILE.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == assets.BOOK_START and "ZOOLOGY, n." in text
    assert all(line and not line[0].isspace() for line in lines)  # units start with text
    assert len(vocabulary()) > 10000
    provenance = (ESSAY_FILE.parent / "PROVENANCE.md").read_text().lower()
    for fact in ("dict-devil", "public domain", "tokenizer.json", "sha256"):
        assert fact in provenance
    assert load_tokenizer().count(text) > 90000
