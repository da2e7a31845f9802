"""Same seed -> byte-identical samples, in this process and in a fresh one (other hash seed)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

FAMILIES = ("niah", "ruler", "mrcr", "repo")

DIGEST_SCRIPT = """
import hashlib, json, sys
from longcat_evals.evals.long_context.tokenizer import load_tokenizer
sys.path.insert(0, {folder!r})
from conftest import build
tok = load_tokenizer()
for family in {families!r}:
    samples = build(family, tok, [4096, 8192], seeds=(0, 1))
    blob = json.dumps([[s.id, s.input, s.target, s.metadata] for s in samples], sort_keys=True)
    print(family, hashlib.sha256(blob.encode()).hexdigest())
"""


def digest(samples) -> str:
    blob = json.dumps([[s.id, s.input, s.target, s.metadata] for s in samples], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def test_same_seed_same_bytes_in_another_process(tok, make):
    mine = {f: digest(make(f, tok, [4096, 8192], seeds=(0, 1))) for f in FAMILIES}
    script = DIGEST_SCRIPT.format(folder=os.path.dirname(__file__), families=FAMILIES)
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    theirs = dict(line.split() for line in out.splitlines())
    assert theirs == mine


def test_other_seed_other_keys_and_haystack(tok, make):
    for family in FAMILIES:
        first = make(family, tok, [4096], seeds=(0,))
        second = make(family, tok, [4096], seeds=(1,))
        for a, b in zip(first, second, strict=True):
            assert a.input != b.input, a.id
            assert a.target != b.target or a.metadata["variant"] in ("cwe",), a.id
