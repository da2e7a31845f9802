"""Shared fixtures. Docker tests use the real engine that `make test`'s set-up made ready."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Without an NVIDIA GPU, the LSA Triton kernels are checked in Triton's CPU interpreter, which
# triton fixes when it is first imported: decide before any test imports it.
if not Path("/dev/nvidiactl").exists():
    os.environ.setdefault("TRITON_INTERPRET", "1")


@pytest.fixture(scope="session")
def docker_engine():
    """A ready Docker engine (started privately if needed); fails loudly if impossible."""
    from longcat_evals.sandboxes import engine

    return engine.ensure_engine()


@pytest.fixture(scope="session")
def base_image(docker_engine) -> str:
    """The project's base image tag (built once, cached by recipe hash)."""
    from longcat_evals.sandboxes import images

    return images.ensure_base()
