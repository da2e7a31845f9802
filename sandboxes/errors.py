"""Errors of the sandbox layer. Each message is one line: what failed, the value, what to do."""

from longcat_evals.errors import UserFacingError


class SandboxSetupError(UserFacingError):
    """The Docker engine, compose or an image could not be made ready."""


class ImageBuildError(SandboxSetupError):
    """A Dockerfile failed to build; the message carries the tail of the build log."""
