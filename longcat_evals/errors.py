"""The project's user-facing error: one line, no traceback.

It subclasses Inspect's PrerequisiteError because that is what Inspect's CLI prints as a plain
message instead of a traceback (`inspect eval` of a task whose set-up fails); our own CLI catches it
the same way. Use it (or a subclass) for bad input and unusable environments; let real bugs raise
ordinary exceptions so they keep their tracebacks.
"""

from inspect_ai._util.error import PrerequisiteError
from rich.markup import escape


class UserFacingError(PrerequisiteError):
    """Bad input or environment. The message names the file/field/sample and what to do."""

    def __init__(self, message: str) -> None:
        # Inspect's exception hook prints `.message` through rich, which reads `[...]` as markup:
        # a path or value like `[/tmp/x]` would vanish or crash the hook with a traceback.
        super().__init__(escape(str(message)))
        Exception.__init__(self, message)  # PrerequisiteError leaves str(e) empty

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
