"""SWE-bench-style evals: Verified, Multilingual, Pro and local datasets in one schema."""
