"""`probe-lsa`: captured dense attention mass and CLI reuse vs a fresh indexer pass."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the `local` extra (torch) is not installed")

from click.testing import CliRunner  # noqa: E402

from longcat_evals.cli import main  # noqa: E402
from longcat_evals.model_adapter.reference.loading import build_tiny  # noqa: E402
from longcat_evals.model_adapter.reference.probe_lsa import plot, probe_lsa  # noqa: E402


def test_probe_mass_is_one_within_budget_and_drops_beyond(tmp_path):
    model = build_tiny(seed=0)
    tokens = torch.randint(3, model.config.vocab_size, (1, 256), generator=torch.Generator())
    topk = model.config.index_topk
    result = probe_lsa(model, tokens, [topk, 256], queries=4, log=lambda _: None)
    assert len(result.rows) == 2 * 2 * model.config.num_layers
    for row in result.rows:
        if row.length == topk:  # every causal key selected: nothing lost, CLI reuse exact
            assert all(abs(m - 1.0) < 1e-5 for m in row.mass)
            assert row.cli_diff in (None, 0.0)
        else:
            assert all(0.0 < m < 1.0 for m in row.mass)
            # random weights attend almost uniformly: the kept mass is about topk / length
            assert abs(sum(row.mass) / len(row.mass) - topk / 256) < 0.1
    assert {r.cli_diff is None for r in result.rows} == {True, False}
    plot(result, tmp_path / "probe.png")
    assert (tmp_path / "probe.png").stat().st_size > 10_000


def test_probe_lsa_cli(tmp_path):
    runner = CliRunner()
    png, js = tmp_path / "p.png", tmp_path / "p.json"
    result = runner.invoke(
        main,
        [
            "probe-lsa",
            "--lengths",
            "32,96",
            "--queries",
            "2",
            "--plot",
            str(png),
            "--json",
            str(js),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "CLI reuse differs" in result.output and png.exists() and '"rows"' in js.read_text()
    bad = runner.invoke(main, ["probe-lsa", "--lengths", "abc"])
    assert bad.exit_code == 2 and "comma-separated integers" in bad.output
