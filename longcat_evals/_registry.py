"""Inspect entry point: importing this module registers every @task and @modelapi.

Keep imports here light: heavy dependencies (torch, transformers) load inside the providers.
"""

# ruff: noqa: F401
from longcat_evals.evals.smoke.task import sandbox_smoke
