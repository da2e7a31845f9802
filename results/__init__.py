"""Results: the scoring rule (`scoring`), tables (`table`); later claims, baselines, gates."""
