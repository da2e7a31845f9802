"""`longcat-evals probe-lsa`: does LSA keep the attention mass that matters as context grows?

For a model and a long input, at each context length it runs one prefill and, for the last
`queries` positions of every attention sub-layer, measures

- mass: the fraction of the DENSE softmax attention (same q, k, every causal key) that falls on
  the keys LSA selected, per head (1.0 means sparse attention lost nothing);
- cli_diff: for CLI sub-layers (which reuse the previous sub-layer's top-k), the fraction of the
  reused indices that a fresh indexer pass on this sub-layer's own input would not have picked.

It hooks the model's MLA modules (forward hooks); the model code is untouched. A random-weight
model (`tiny`) gives mechanically correct but meaningless numbers: use a real checkpoint to
study the claims.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from longcat_evals.model_adapter.reference.modeling import (
    MLA,
    LongcatForCausalLM,
    apply_rope,
    rope_cos_sin,
)
from longcat_evals.progress import Progress, progress


@dataclass
class SubLayerProbe:
    length: int
    layer: int
    sub: int
    mass: list[float]  # per head, mean over the probed queries
    cli_diff: float | None = None  # None where the sub-layer computed its own top-k


@dataclass
class ProbeResult:
    model: str
    rows: list[SubLayerProbe] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({"model": self.model, "rows": [asdict(r) for r in self.rows]}, indent=1)


@torch.no_grad()
def _dense_probs(attn: MLA, x: torch.Tensor, cache, q_pos: torch.Tensor) -> torch.Tensor:
    """Softmax attention of the queries at q_pos over all causal cached keys: [Q, heads, T]."""
    c = attn.config
    H = c.num_attention_heads
    xq = x[:, q_pos]
    cos, sin = rope_cos_sin(c, q_pos)
    q = attn.q_b_proj(attn.q_a_layernorm(attn.q_a_proj(xq)))
    q = q.view(1, len(q_pos), H, c.qk_head_dim) * attn.q_scale
    q_nope, q_rope = q.split([c.qk_nope_head_dim, c.qk_rope_head_dim], dim=-1)
    q_rope = apply_rope(q_rope, cos, sin, interleave=True)
    w_uk = attn.kv_b_proj.weight.view(H, -1, c.kv_lora_rank)[:, : c.qk_nope_head_dim]
    q_abs = torch.einsum("blhd,hdr->blhr", q_nope, w_uk)
    scores = torch.einsum("bchr,btr->bcht", q_abs, cache.latent)
    scores = scores + torch.einsum("bchd,btd->bcht", q_rope, cache.k_rope)
    key_pos = torch.arange(cache.latent.shape[1])
    future = key_pos[None, :] > q_pos[:, None]
    scores = (scores.float() * attn.scale).masked_fill(future[None, :, None, :], float("-inf"))
    return scores.softmax(-1)[0]


def _fresh_topk(owner: MLA, attn: MLA, x: torch.Tensor, q_pos: torch.Tensor) -> torch.Tensor:
    """The top-k a fresh pass of the owner's indexer would pick from this sub-layer's input."""
    c = owner.config
    positions = torch.arange(x.shape[1])
    cos, sin = rope_cos_sin(c, positions)
    keys = owner.indexer.keys(x, cos, sin)
    q_latent = attn.q_a_layernorm(attn.q_a_proj(x[:, q_pos]))
    q, w = owner.indexer.queries(x[:, q_pos], q_latent, cos[q_pos], sin[q_pos])
    chosen = owner.indexer.select(q, w, keys, q_pos)
    return chosen.indices[0].masked_fill(~chosen.valid[0], -1)


def _hook(rows: list, row: SubLayerProbe, q_pos: torch.Tensor, owner: MLA | None):
    """A forward hook on one MLA that appends `row` filled with its figures to `rows`."""

    def hook(module: MLA, args: tuple, output: tuple) -> None:
        x, cache, used = args[0], args[2], output[1]
        probs = _dense_probs(module, x, cache, q_pos)  # [Q, H, T]
        idx = used.indices[0, q_pos].masked_fill(~used.valid[0, q_pos], -1)
        T = probs.shape[-1]  # invalid slots (-1) go to a spare column T
        picked = torch.zeros(len(q_pos), T + 1, dtype=torch.bool)
        picked.scatter_(1, idx.masked_fill(idx < 0, T), True)
        row.mass = (probs * picked[:, None, :T]).sum(-1).mean(0).tolist()
        if owner is not None:
            fresh = _fresh_topk(owner, module, x, q_pos)
            kept = [
                len((set(a.tolist()) & set(b.tolist())) - {-1})
                / max(1, len(set(a.tolist()) - {-1}))
                for a, b in zip(idx, fresh, strict=True)
            ]
            row.cli_diff = 1.0 - sum(kept) / len(kept)
        rows.append(row)

    return hook


def probe_lsa(
    model: LongcatForCausalLM,
    tokens: torch.Tensor,
    lengths: list[int],
    queries: int = 16,
    name: str = "model",
    log: Progress = progress,
) -> ProbeResult:
    """Run the probe on the first `length` tokens of `tokens` [1, N] for each length."""
    if not model.config.use_indexer:
        raise ValueError("the model has use_indexer=False: there is no LSA selection to probe")
    result = ProbeResult(name)
    for length in lengths:
        if length > tokens.shape[1]:
            raise ValueError(f"length {length} exceeds the input's {tokens.shape[1]} tokens")
        q_pos = torch.arange(max(0, length - queries), length)
        hooks = []
        for li, layer in enumerate(model.model.layers):
            for sub, attn in enumerate(layer.self_attn):
                owner = layer.self_attn[0] if attn.indexer is None else None
                hook = _hook(result.rows, SubLayerProbe(length, li, sub, []), q_pos, owner)
                hooks.append(attn.register_forward_hook(hook))
        try:
            with torch.no_grad():
                model(tokens[:, :length])
        finally:
            for h in hooks:
                h.remove()
        rows = [r for r in result.rows if r.length == length]
        mean_mass = sum(sum(r.mass) / len(r.mass) for r in rows) / len(rows)
        log(f"probe-lsa: length {length}: mean captured mass {mean_mass:.3f}")
    return result


def plot(result: ProbeResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_mass, ax_cli) = plt.subplots(1, 2, figsize=(11, 4))
    keys = sorted({(r.layer, r.sub) for r in result.rows})
    for layer, sub in keys:
        rows = sorted(
            (r for r in result.rows if (r.layer, r.sub) == (layer, sub)), key=lambda r: r.length
        )
        xs = [r.length for r in rows]
        ax_mass.plot(
            xs, [sum(r.mass) / len(r.mass) for r in rows], marker="o", label=f"L{layer}.{sub}"
        )
        ax_mass.fill_between(
            xs, [min(r.mass) for r in rows], [max(r.mass) for r in rows], alpha=0.1
        )
        if rows[0].cli_diff is not None:
            ax_cli.plot(xs, [r.cli_diff for r in rows], marker="o", label=f"L{layer}.{sub}")
    ax_mass.set(xlabel="context length (tokens)", ylabel="dense attention mass kept")
    ax_mass.set_title("LSA: mass on selected keys (mean, band = heads)")
    ax_cli.set(xlabel="context length (tokens)", ylabel="fraction of indices")
    ax_cli.set_title("CLI: reused top-k a fresh pass would not pick")
    lengths = sorted({r.length for r in result.rows})
    for ax in (ax_mass, ax_cli):
        ax.set_xscale("log", base=2)
        ax.set_xticks(lengths, [str(n) for n in lengths])
        ax.minorticks_off()
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(result.model)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def load_probe_model(model: str, seed: int = 0):
    """(model, tokenizer) for `tiny` or a checkpoint directory."""
    from longcat_evals.model_adapter.reference import loading, tokenizer

    if model == "tiny":
        return loading.build_tiny(seed=seed), tokenizer.load_tiny_tokenizer()
    return loading.load_checkpoint(model), tokenizer.load_checkpoint_tokenizer(model)
