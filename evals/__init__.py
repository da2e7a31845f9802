"""Inspect tasks, one sub-package per family; agents shared by all in `agents`."""
