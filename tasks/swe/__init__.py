"""The built-in offline SWE dataset: `instances.jsonl` plus one git bundle per repository."""

from pathlib import Path

BUILTIN_DIR = Path(__file__).parent
BUILTIN_INSTANCES = BUILTIN_DIR / "instances.jsonl"
