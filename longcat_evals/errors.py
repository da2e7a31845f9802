"""The project's user-facing error: one line, no traceback.

It subclasses Inspect's PrerequisiteError because that is what Inspect's CLI prints as a plain
message instead of a traceback (`inspect eval` of a task whose set-up fails); our own CLI catches it
the same way. Use it (or a subclass) for bad input and unusable environments; let real bugs raise
ordinary exceptions so they keep their tracebacks.
"""

from inspect_ai._util.error import PrerequisiteError


class UserFacingError(PrerequisiteError):
    """Bad input or environment. The message names the file/field/sample and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        Exception.__init__(self, message)  # PrerequisiteError leaves str(e) empty

    def __str__(self) -> str:
        return str(self.message)
