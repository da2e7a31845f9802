"""The one error type of this family: bad options or inputs, shown to the user as one line."""

from longcat_evals.errors import UserFacingError


class LongContextError(UserFacingError, ValueError):
    """A malformed option or input (unknown family, length above the window, missing tokenizer)."""
