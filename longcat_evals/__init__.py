"""longcat-evals: an open harness for LongCat-2.0 and any other model, built on Inspect AI."""

__version__ = "0.1.0"
