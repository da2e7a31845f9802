"""Opt-in checks against the real LongCat API (costs a few thousand tokens).

Run with `LONGCAT_RUN_API_TESTS=1 LONGCAT_API_KEY=... pytest -m api tests/model_adapter`.
Optionally LONGCAT_BASE_URL for another endpoint. Skipped otherwise.
"""

from __future__ import annotations

import os

import pytest

from longcat_evals.model_adapter.probe import probe

pytestmark = [
    pytest.mark.api,
    pytest.mark.skipif(
        os.environ.get("LONGCAT_RUN_API_TESTS") != "1" or not os.environ.get("LONGCAT_API_KEY"),
        reason="live API test: set LONGCAT_RUN_API_TESTS=1 and LONGCAT_API_KEY",
    ),
]


def test_live_probe_passes():
    table, healthy = probe("longcat/LongCat-2.0", None, [100], log=lambda _: None)
    assert healthy, table
