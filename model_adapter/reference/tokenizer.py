"""Tokenizers for the local model: the shipped tiny BPE, or a checkpoint's tokenizer.json."""

from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer

from longcat_evals.errors import UserFacingError

TINY_TOKENIZER = Path(__file__).resolve().parent / "tokenizer.json"


def load_tiny_tokenizer() -> Tokenizer:
    return Tokenizer.from_file(str(TINY_TOKENIZER))


def load_checkpoint_tokenizer(path: str | Path) -> Tokenizer:
    file = Path(path) / "tokenizer.json"
    if not file.exists():
        raise UserFacingError(
            f"No tokenizer.json in {path}: copy the checkpoint's tokenizer.json there"
        )
    return Tokenizer.from_file(str(file))
