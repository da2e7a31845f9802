"""The `probe-lsa` command's body: load, tokenize, probe, print a table, plot."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from longcat_evals.errors import UserFacingError

DEFAULT_INPUT = (
    Path(__file__).resolve().parents[2] / "tasks" / "long_context" / "devils_dictionary.txt"
)


def _lengths(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UserFacingError(f"--lengths {text!r}: expected comma-separated integers") from None
    if not values or min(values) < 2:
        raise UserFacingError(f"--lengths {text!r}: give lengths of at least 2 tokens")
    return sorted(values)


def run_probe_lsa(model, input_path, lengths, queries, plot_path, json_path, seed, log) -> None:
    import torch

    from longcat_evals.model_adapter.reference.probe_lsa import load_probe_model, plot, probe_lsa

    wanted = _lengths(lengths)
    source = Path(input_path) if input_path else DEFAULT_INPUT
    if not source.exists():
        raise UserFacingError(f"--input {source}: no such file")
    net, tok = load_probe_model(model, seed)
    ids = tok.encode(source.read_text(encoding="utf-8", errors="replace")).ids
    if len(ids) < wanted[-1]:
        raise UserFacingError(
            f"--input {source} has {len(ids)} tokens, fewer than --lengths' {wanted[-1]}"
        )
    log(f"probe-lsa: {model}, {len(ids)} input tokens, index_topk {net.config.index_topk}")
    if model == "tiny":
        log("probe-lsa: random weights: the figures check the mechanics, not LongCat's claims")
    result = probe_lsa(net, torch.tensor([ids]), wanted, queries, name=model, log=log)
    table = Table(title=f"probe-lsa: {model} (last {queries} queries per length)")
    for column in ("length", "layer.sub", "mass mean", "mass min head", "CLI reuse differs"):
        table.add_column(column, justify="right")
    for r in result.rows:
        diff = "-" if r.cli_diff is None else f"{r.cli_diff:.3f}"
        mean = sum(r.mass) / len(r.mass)
        table.add_row(
            str(r.length), f"{r.layer}.{r.sub}", f"{mean:.3f}", f"{min(r.mass):.3f}", diff
        )
    Console().print(table)
    plot(result, Path(plot_path))
    log(f"probe-lsa: plot written to {plot_path}")
    if json_path:
        Path(json_path).write_text(result.to_json())
        log(f"probe-lsa: figures written to {json_path}")
