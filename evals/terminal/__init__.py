"""Terminal-Bench-style evals: Harbor (2.x) and 1.x task directories in Inspect (see README.md)."""
