"""Tokenizers used to size contexts: a tokenizer.json file, a local HF tokenizer dir, or a hub name.

Everything becomes a `tokenizers.Tokenizer` (fast, offsets, batch encoding). The project ships a
default (tasks/long_context/tokenizer.json, see PROVENANCE.md); it is a real tokenizer, so counts
are exact for it, but it is NOT the model's tokenizer: samples built with it say
`tokenizer_approximate: true` in their metadata.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tokenizers import Tokenizer

from longcat_evals.evals.long_context.errors import LongContextError

DEFAULT_TOKENIZER = (
    Path(__file__).resolve().parents[2] / "tasks" / "long_context" / "tokenizer.json"
)
DEFAULT_NAME = "longcat-evals-bpe-8k"


@dataclass(frozen=True)
class LoadedTokenizer:
    """A tokenizer and how it was found."""

    tokenizer: Tokenizer
    name: str
    """Path or hub name as given (or DEFAULT_NAME)."""
    fingerprint: str
    """sha256 of the tokenizer's JSON: keys caches and sample digests."""
    approximate: bool
    """True for the shipped default: counts are exact for it but only approximate the model's."""

    def count(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def encode(self, text: str):
        return self.tokenizer.encode(text, add_special_tokens=False)


def _looks_like_path(spec: str) -> bool:
    return spec.endswith(".json") or spec.startswith(("/", "./", "../", "~")) or Path(spec).exists()


def _from_hf(spec: str) -> Tokenizer:
    try:
        from transformers import AutoTokenizer

        auto = AutoTokenizer.from_pretrained(spec)
    except Exception as e:  # noqa: BLE001 - any failure becomes one line naming the option
        first = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
        raise LongContextError(
            f"Cannot load tokenizer '{spec}': not a local file or directory, and loading it as a "
            f"Hugging Face name failed ({first}); pass -T tokenizer=PATH/tokenizer.json"
        ) from e
    backend = getattr(auto, "backend_tokenizer", None)
    if backend is None:
        raise LongContextError(
            f"Tokenizer '{spec}' has no fast (tokenizers) backend; convert it to tokenizer.json"
        )
    return backend


@lru_cache(maxsize=8)
def load_tokenizer(spec: str | None = None) -> LoadedTokenizer:
    """Load the tokenizer named by SPEC (None or "default": the shipped one)."""
    if spec in (None, "", "default"):
        path, approximate, name = DEFAULT_TOKENIZER, True, DEFAULT_NAME
    elif _looks_like_path(spec):
        path, approximate, name = Path(spec).expanduser(), False, spec
        if path.is_dir() and not (path / "tokenizer.json").is_file():
            # A transformers tokenizer directory without tokenizer.json (e.g. SentencePiece
            # files only): transformers converts it to a fast tokenizer, locally.
            if any(path.glob("tokenizer*")):
                tok = _from_hf(str(path))
                digest = hashlib.sha256(tok.to_str().encode()).hexdigest()
                return LoadedTokenizer(tok, spec, digest, False)
        if path.is_dir():
            path = path / "tokenizer.json"
        if not path.is_file():
            raise LongContextError(
                f"Tokenizer file not found: {path} (pass a tokenizer.json, a directory holding "
                "one, or a Hugging Face tokenizer name)"
            )
    else:
        tok = _from_hf(spec)
        digest = hashlib.sha256(tok.to_str().encode()).hexdigest()
        return LoadedTokenizer(tok, spec, digest, False)
    raw = path.read_bytes()
    try:
        tok = Tokenizer.from_str(raw.decode("utf-8"))
    except Exception as e:  # noqa: BLE001
        raise LongContextError(f"Tokenizer file {path} is not a valid tokenizer.json: {e}") from e
    return LoadedTokenizer(tok, name, hashlib.sha256(raw).hexdigest(), approximate)
