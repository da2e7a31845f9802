"""Long-context retrieval evals to 1M tokens: niah, ruler, mrcr and repo_retrieval."""
