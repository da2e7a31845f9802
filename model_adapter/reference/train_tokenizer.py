"""Rebuild `tokenizer.json`, the tiny configuration's tokenizer.

A byte-level BPE (so any text encodes) trained with the `tokenizers` library on text this project
ships and does not edit: the long-context haystack (tasks/long_context/devils_dictionary.txt).
LongCat's special tokens come first, so bos = 1 and eos = 2 as in the released config.

    python -m longcat_evals.model_adapter.reference.train_tokenizer
"""

from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SOURCES = [ROOT / "tasks" / "long_context" / "devils_dictionary.txt"]
VOCAB_SIZE = 1024
SPECIAL_TOKENS = [
    "<longcat_pad>",
    "<longcat_s>",  # bos, id 1
    "</longcat_s>",  # eos, id 2
    "<longcat_think>",
    "</longcat_think>",
    "<longcat_tool_call>",
    "</longcat_tool_call>",
    "<longcat_arg_key>",
    "</longcat_arg_key>",
    "<longcat_arg_value>",
    "</longcat_arg_value>",
    "<longcat_tool_declare>",
    "</longcat_tool_declare>",
    "<longcat_tool_response>",
    "</longcat_tool_response>",
]


def train(texts: list[str], vocab_size: int = VOCAB_SIZE) -> Tokenizer:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return tokenizer


def main() -> None:
    missing = [str(p) for p in SOURCES if not p.exists()]
    if missing:
        raise SystemExit(f"Training text missing: {', '.join(missing)} (run from a repo checkout)")
    tokenizer = train([p.read_text(encoding="utf-8") for p in SOURCES])
    tokenizer.save(str(HERE / "tokenizer.json"))
    print(f"wrote {HERE / 'tokenizer.json'} ({tokenizer.get_vocab_size()} tokens)")


if __name__ == "__main__":
    main()
