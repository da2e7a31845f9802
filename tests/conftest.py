"""Shared fixtures. Docker tests use the real engine that `make test`'s set-up made ready."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

# Without an NVIDIA GPU, the LSA Triton kernels are checked in Triton's CPU interpreter, which
# triton fixes when it is first imported: decide before any test imports it.
if not Path("/dev/nvidiactl").exists():
    os.environ.setdefault("TRITON_INTERPRET", "1")

# A test run started in the background by a non-interactive shell (`make test &`, some CI
# runners) inherits SIGINT ignored, and so would every eval subprocess the tests interrupt with
# Ctrl-C: restore Python's default so those tests see what a user's terminal does.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


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
