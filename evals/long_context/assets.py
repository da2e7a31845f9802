"""Rebuild the shipped long-context assets: the haystack text and the default tokenizer.

    apt-get install dict-devil          # Debian's public-domain "The Devil's Dictionary"
    python -m longcat_evals.evals.long_context.assets [--dict /usr/share/dictd/devil.dict.dz]

Writes tasks/long_context/devils_dictionary.txt (cleaned: one line per text line, leading
whitespace, blank lines and dictd cross-reference braces removed) and tasks/long_context/
tokenizer.json, a byte-level BPE trained with the `tokenizers` library on that text alone. Both
are deterministic functions of the Debian package's file; PROVENANCE.md records the run.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import re
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

DATA_DIR = Path(__file__).resolve().parents[2] / "tasks" / "long_context"
DEFAULT_DICT = Path("/usr/share/dictd/devil.dict.dz")
VOCAB_SIZE = 8192
# The dictd file starts with database headers; the book starts at its title block.
BOOK_START = "The Internet Wiretap 1st Online Edition of"


def clean_dictionary(raw: str) -> str:
    """The book's text, one stripped non-empty line per line, ending with a newline."""
    raw = raw[raw.index(BOOK_START) :]
    lines = []
    for line in raw.splitlines():
        line = re.sub(r"\s+", " ", line.replace("{", "").replace("}", "")).strip()
        # dictd appends an alphabet line used for its index; it is not part of the book.
        if line and line != "abcdefghijklmnopqrstuvwxyz":
            lines.append(line)
    return "\n".join(lines) + "\n"


def train_tokenizer(text: str, vocab_size: int = VOCAB_SIZE) -> Tokenizer:
    """A GPT-2-style byte-level BPE trained on TEXT (deterministic for a given text)."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=["<|endoftext|>"],
        show_progress=False,
    )
    tokenizer.train_from_iterator(text.splitlines(keepends=True), trainer=trainer)
    return tokenizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dict", type=Path, default=DEFAULT_DICT, help="devil.dict.dz")
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    args = parser.parse_args()
    if not args.dict.is_file():
        raise SystemExit(f"No {args.dict}: run `apt-get install dict-devil` or pass --dict PATH")
    raw = gzip.decompress(args.dict.read_bytes()).decode("utf-8")
    text = clean_dictionary(raw)
    (args.out / "devils_dictionary.txt").write_text(text)
    train_tokenizer(text).save(str(args.out / "tokenizer.json"))
    for name in ("devils_dictionary.txt", "tokenizer.json"):
        digest = hashlib.sha256((args.out / name).read_bytes()).hexdigest()
        print(f"{name}: sha256 {digest}")


if __name__ == "__main__":
    main()
