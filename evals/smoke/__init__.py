"""The sandbox plumbing smoke task."""
