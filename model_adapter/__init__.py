"""Inspect model providers: `longcat/...` (endpoints) and `longcat-local/...` (reference model)."""
