"""LongCat-2.0 reference model in one file, read top to bottom.

  norms and RoPE (deepseek-yarn) -> N-gram embedding (EOS-segmented hashed n-grams)
  -> LSA indexer (DSA scores, SI sinks + local window forced into the top-k, optional HI)
  -> MLA (absorbed: attention runs on the cached 512+64 latent, queries gather selected keys)
  -> ScMoE router and identity experts -> decoder layer (two attention sub-layers, two dense
  MLPs, the MoE on a shortcut, CLI: sub-layer 1 reuses sub-layer 0's top-k) -> model -> MTP
  -> generation (KV cache, MTP draft / verify / accept).

Everything runs in chunks of `config.attn_chunk_size` queries: the indexer builds a
[chunk, kv_len] score block, attention gathers the index_topk selected latents per query, so
memory grows linearly with context. No L x L tensor is ever built on the sparse path.
`config.attn_backend = "triton"` swaps the indexer scoring and the sparse attention for the fused
kernels in `lsa_triton` (same math; the code here stays the reference).

Batches must hold sequences of equal length (no padding mask): the reference is for numerics and
mechanistic study, not serving.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PreTrainedModel

from longcat_evals.model_adapter.reference import lsa_triton
from longcat_evals.model_adapter.reference.configuration import LongcatConfig

# ----------------------------------------------------------------------------------------------
# Norms, SwiGLU, RoPE
# ----------------------------------------------------------------------------------------------


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dtype = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dtype)


class MLP(nn.Module):
    """SwiGLU: down(silu(gate(x)) * up(x)). The dense MLPs and every routed expert."""

    def __init__(self, hidden: int, inner: int) -> None:
        super().__init__()
        self.gate_proj = nn.Linear(hidden, inner, bias=False)
        self.up_proj = nn.Linear(hidden, inner, bias=False)
        self.down_proj = nn.Linear(inner, hidden, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


def _yarn_mscale(factor: float, mscale: float = 1.0) -> float:
    return 1.0 if factor <= 1 else 0.1 * mscale * math.log(factor) + 1.0


def rope_frequencies(config: LongcatConfig) -> tuple[torch.Tensor, float]:
    """Inverse frequencies of the rope dims and the cos/sin multiplier (deepseek-yarn).

    yarn keeps high-frequency pairs as they are (extrapolate), divides low-frequency pairs by
    `factor` (interpolate), and ramps linearly between the two correction dims.
    """
    dim, base = config.qk_rope_head_dim, config.rope_theta
    inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim))
    scaling = config.rope_parameters
    if not scaling or scaling.get("factor", 1.0) <= 1.0:
        return inv_freq, 1.0
    factor = scaling["factor"]
    original = scaling["original_max_position_embeddings"]

    def correction_dim(rotations: float) -> float:
        return dim * math.log(original / (rotations * 2 * math.pi)) / (2 * math.log(base))

    low = max(math.floor(correction_dim(scaling.get("beta_fast", 32.0))), 0)
    high = min(math.ceil(correction_dim(scaling.get("beta_slow", 1.0))), dim - 1)
    if low == high:
        high += 0.001  # avoid a zero-width ramp
    ramp = ((torch.arange(dim // 2, dtype=torch.float32) - low) / (high - low)).clamp(0, 1)
    inv_freq = inv_freq / factor * ramp + inv_freq * (1 - ramp)
    # cos/sin carry mscale(mscale) / mscale(mscale_all_dim), 1.0 for LongCat (both 1); the
    # softmax scale carries mscale(mscale_all_dim)^2 (see softmax_scale).
    mscale, mscale_all_dim = scaling.get("mscale"), scaling.get("mscale_all_dim")
    if scaling.get("attention_factor") is not None:  # an explicit value wins (as transformers)
        cos_sin_scale = float(scaling["attention_factor"])
    elif mscale and mscale_all_dim:
        cos_sin_scale = _yarn_mscale(factor, mscale) / _yarn_mscale(factor, mscale_all_dim)
    else:
        cos_sin_scale = _yarn_mscale(factor)
    return inv_freq, cos_sin_scale


def softmax_scale(config: LongcatConfig) -> float:
    """qk_head_dim^-0.5, times mscale^2 under yarn (the attention-temperature correction)."""
    scale = config.qk_head_dim**-0.5
    scaling = config.rope_parameters
    if scaling and scaling.get("mscale_all_dim"):
        m = _yarn_mscale(scaling["factor"], scaling["mscale_all_dim"])
        scale = scale * m * m
    return scale


def rope_cos_sin(config: LongcatConfig, positions: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """cos and sin of shape [len(positions), rope_dim / 2] in fp32 (computed, never stored)."""
    inv_freq, scale = rope_frequencies(config)
    angles = positions.float()[:, None] * inv_freq.to(positions.device)[None, :]
    return angles.cos() * scale, angles.sin() * scale


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, interleave: bool):
    """Rotate the last dim of x [B, T, H, d] (d = 2 * cos.shape[-1]).

    interleave=True rotates GPT-J pairs (x0,x1),(x2,x3)...; False rotates (x_i, x_{i+d/2}).
    """
    dtype = x.dtype
    x = x.float()
    cos, sin = cos[None, :, None, :], sin[None, :, None, :]
    if interleave:
        x1, x2 = x[..., 0::2], x[..., 1::2]
        out = torch.stack((x1 * cos - x2 * sin, x2 * cos + x1 * sin), dim=-1).flatten(-2)
    else:
        x1, x2 = x.chunk(2, dim=-1)
        out = torch.cat((x1 * cos - x2 * sin, x2 * cos + x1 * sin), dim=-1)
    return out.to(dtype)


# ----------------------------------------------------------------------------------------------
# KV cache: per attention sub-layer the 512 latent + 64 rope key (+ the indexer key where the
# sub-layer owns an indexer), and the token history the N-gram embedding needs at decode time.
# ----------------------------------------------------------------------------------------------


class AttentionCache:
    def __init__(self) -> None:
        self.latent: torch.Tensor | None = None  # [B, T, kv_lora_rank] (normed, LoRA-scaled)
        self.k_rope: torch.Tensor | None = None  # [B, T, qk_rope_head_dim] (rotated)
        self.k_index: torch.Tensor | None = None  # [B, T, index_head_dim] (normed, rotated)

    @staticmethod
    def _cat(old: torch.Tensor | None, new: torch.Tensor) -> torch.Tensor:
        return new if old is None else torch.cat((old, new), dim=1)

    def crop(self, length: int) -> None:
        for name in ("latent", "k_rope", "k_index"):
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, value[:, :length])


class LongcatCache:
    """Everything a model needs to continue a sequence: one AttentionCache per sub-layer and
    the tokens seen so far (the N-gram embedding hashes the last n-1 of them)."""

    def __init__(self, num_blocks: int) -> None:
        self.layers = [AttentionCache() for _ in range(num_blocks)]
        self.tokens: torch.Tensor | None = None  # [B, T]

    @property
    def length(self) -> int:
        return 0 if self.tokens is None else self.tokens.shape[1]

    def crop(self, length: int) -> None:
        """Forget everything from position `length` on (rejected speculative tokens)."""
        for layer in self.layers:
            layer.crop(length)
        if self.tokens is not None:
            self.tokens = self.tokens[:, :length]


# ----------------------------------------------------------------------------------------------
# N-gram embedding
# ----------------------------------------------------------------------------------------------


def ngram_ids(
    tokens: torch.Tensor, previous: torch.Tensor, config: LongcatConfig
) -> list[torch.Tensor]:
    """Hashed n-gram ids of every position of `tokens`, one [B, L] tensor per table.

    `previous` [B, P] holds the tokens right before `tokens` (the decode-time state: the last
    n-1 tokens; empty at the start). For gram size g and split j, table i = (g-2)*k + j with
    mod_i = m + 2i + 1 rows: id = (sum_{d<g} tok[t-d] * (V^d mod mod_i)) mod mod_i, where context
    tokens stop at the previous EOS (the EOS itself excluded) or the sequence start, and missing
    tokens count 0.
    """
    n, k, vocab = config.oe_neighbor_num, config.oe_split_num, config.vocab_size
    context = torch.cat((previous, tokens), dim=1).long()
    num_prev, total = previous.shape[1], context.shape[1]
    pos = torch.arange(total, device=context.device)
    eos_pos = torch.where(context == config.eos_token_id, pos, -1)
    last_eos_incl = eos_pos.cummax(dim=1).values
    last_eos_before = F.pad(last_eos_incl[:, :-1], (1, 0), value=-1)  # EOS strictly before t

    shifted = []  # shifted[d-1][b, t] = tok[t-d] if it is in t's segment, else 0
    for d in range(1, n):
        tok = F.pad(context[:, :-d], (d, 0), value=0) if d < total else torch.zeros_like(context)
        valid = (pos - d >= 0) & (pos - d > last_eos_before)
        shifted.append(tok * valid)

    ids = []
    for g in range(2, n + 1):
        for j in range(k):
            mod = config.ngram_base_rows + 2 * ((g - 2) * k + j) + 1
            value = context % mod
            for d in range(1, g):
                value = value + shifted[d - 1] * pow(vocab, d, mod)
            ids.append((value % mod)[:, num_prev:])
    return ids


class TokenEmbedding(nn.Module):
    """embed_tokens plus the N-gram tables `oe_embed_tokens{i}` and projections `oe_embed_proj{i}`.

    A base class (not a child module) so the parameters sit where the checkpoint puts them:
    `model.embed_tokens`, `model.oe_embed_tokens0`, ... and `model.mtp.*` for the MTP copy.
    """

    def __init__(self, config: LongcatConfig, ngram: bool | None = None) -> None:
        super().__init__()
        self.config = config
        self.use_ngram = config.use_ngram_embedding if ngram is None else ngram
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size)
        if self.use_ngram:
            dim = config.hidden_size // config.ngram_tables
            for i in range(config.ngram_tables):
                rows = config.ngram_base_rows + 2 * i + 1
                setattr(self, f"oe_embed_tokens{i}", nn.Embedding(rows, dim))
                setattr(self, f"oe_embed_proj{i}", nn.Linear(dim, config.hidden_size, bias=False))

    def embed(self, tokens: torch.Tensor, previous: torch.Tensor) -> torch.Tensor:
        """h0 = (embed(tok) + sum_i proj_i(table_i[id_i])) / (1 + G)."""
        h = self.embed_tokens(tokens)
        if not self.use_ngram:
            return h
        for i, ids in enumerate(ngram_ids(tokens, previous, self.config)):
            table = getattr(self, f"oe_embed_tokens{i}")
            h = h + getattr(self, f"oe_embed_proj{i}")(table(ids))
        return h / (1 + self.config.ngram_tables)

    def history(self, cache: LongcatCache | None, batch: int, device) -> torch.Tensor:
        """The decode-time N-gram state: the last n-1 tokens already in the cache."""
        if cache is None or cache.tokens is None:
            return torch.zeros(batch, 0, dtype=torch.long, device=device)
        return cache.tokens[:, -(self.config.oe_neighbor_num - 1) :]


# ----------------------------------------------------------------------------------------------
# LSA indexer: DSA scoring + SI forced positions (+ optional HI, our own design)
# ----------------------------------------------------------------------------------------------


HI_UNSCORED = -1e30  # HI: keys outside the kept blocks (eligible, ranked after every scored key)


def si_causal_mask(s: torch.Tensor, q_pos: torch.Tensor, n_init: int, n_local: int):
    """Scores [..., C, T] of queries at q_pos [C] with SI applied: causal sinks (the first n_init
    keys) and the local window (the last n_local keys up to the query) at +inf, future keys at
    -inf. (`lsa_triton.index_scores` applies the same inside its kernel.)"""
    key_pos = torch.arange(s.shape[-1], device=s.device)
    causal = key_pos[None, :] <= q_pos[:, None]
    forced = (key_pos[None, :] < n_init) | (key_pos[None, :] > q_pos[:, None] - n_local)
    return s.masked_fill(forced & causal, float("inf")).masked_fill(~causal, float("-inf"))


@dataclass
class TopK:
    """Keys chosen per query: indices [B, L, K] into the cache and whether each slot is real."""

    indices: torch.Tensor
    valid: torch.Tensor


class Indexer(nn.Module):
    """score[t, s] = sum_h w[t, h] * ReLU(q[t, h] . k[s]), w = weights_proj(x) * H^-0.5 * D^-0.5."""

    def __init__(self, config: LongcatConfig) -> None:
        super().__init__()
        self.config = config
        self.n_heads, self.head_dim = config.index_n_heads, config.index_head_dim
        self.wq_b = nn.Linear(config.q_lora_rank, self.n_heads * self.head_dim, bias=False)
        self.wk = nn.Linear(config.hidden_size, self.head_dim, bias=False)
        if config.index_k_norm == "rms":
            self.k_norm = RMSNorm(self.head_dim, config.rms_norm_eps)
        else:
            self.k_norm = nn.LayerNorm(self.head_dim, eps=1e-6)
        self.weights_proj = nn.Linear(config.hidden_size, self.n_heads, bias=False)

    def _rope(self, x: torch.Tensor, cos, sin) -> torch.Tensor:
        rot = self.config.qk_rope_head_dim  # RoPE on the first rope dims only
        x_rot = apply_rope(x[..., :rot], cos, sin, self.config.index_rope_interleave)
        return torch.cat((x_rot, x[..., rot:]), dim=-1)

    def keys(self, x: torch.Tensor, cos, sin) -> torch.Tensor:
        k = self.k_norm(self.wk(x)).unsqueeze(2)  # [B, L, 1, D]
        return self._rope(k, cos, sin).squeeze(2).float()

    def queries(self, x: torch.Tensor, q_latent: torch.Tensor, cos, sin):
        B, L, _ = x.shape
        q = self.wq_b(q_latent).view(B, L, self.n_heads, self.head_dim)
        q = self._rope(q, cos, sin).float()
        w = F.linear(x.float(), self.weights_proj.weight.float())
        w = w * (self.n_heads**-0.5 * self.head_dim**-0.5)
        return q, w

    @staticmethod
    def scores(q: torch.Tensor, w: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """[B, C, H, D] queries, [B, C, H] weights, [B, T, D] keys -> [B, C, T] fp32 scores."""
        per_head = torch.einsum("bchd,btd->bcht", q, k).relu_()
        return torch.einsum("bcht,bch->bct", per_head, w)

    def select(self, q, w, k, q_pos: torch.Tensor) -> TopK:
        """Top-k keys for a chunk of queries at absolute positions q_pos [C].

        SI: sinks (the first index_init_tokens) and the local window (the last
        index_local_tokens up to and including the query) get +inf, so they always fill part of
        the budget; the rest goes to the best scores. Future keys get -inf and are marked invalid
        when a query has fewer causal keys than index_topk.
        """
        cfg = self.config
        T = k.shape[1]
        K = min(cfg.index_topk, T)
        use_hi = cfg.use_hierarchical_index and T > cfg.index_topk
        if cfg.attn_backend == "triton" and not use_hi:  # HI has no kernel
            dtype = self.wk.weight.dtype  # a bf16 model scores on bf16 tensor cores
            s = lsa_triton.index_scores(
                q.to(dtype), w, k.to(dtype), q_pos, cfg.index_init_tokens, cfg.index_local_tokens
            )
            return TopK(*lsa_triton.topk_first(s, K))
        s = self.hierarchical_scores(q, w, k, q_pos) if use_hi else self.scores(q, w, k)
        s = si_causal_mask(s, q_pos, cfg.index_init_tokens, cfg.index_local_tokens)
        # A stable sort, not topk: keys whose every ReLU is 0 tie at score 0, and the choice among
        # ties must not depend on how many (future, -inf) keys the tensor holds, or KV-cached
        # decoding would pick different keys than a full recomputation. Ties go to earlier keys.
        values, indices = s.sort(dim=-1, descending=True, stable=True)
        return TopK(indices[..., :K], values[..., :K] > float("-inf"))

    def hierarchical_scores(self, q, w, k, q_pos: torch.Tensor) -> torch.Tensor:
        """HI, OUR OWN DESIGN (Meituan has not published theirs).

        Coarse pass: each block of hi_block_size keys that lies wholly before the query is scored
        by the indexer against the block's mean key; the hi_top_blocks best are kept, plus the
        query's own (partial) block. Fine pass: exact token scores inside the kept blocks only.
        Keys elsewhere get a very low finite score, so they stay eligible: a query with at most
        index_topk causal keys still selects them all (exactly dense), and if the kept blocks
        hold fewer keys than the budget the earliest other keys fill it. Sinks and the local
        window are forced by `select`. Only complete past blocks are averaged, so no future key
        influences a selection and KV-cached decoding matches a full recomputation. The work per
        query drops from T token scores to T / hi_block_size + (hi_top_blocks + 1) * block.
        """
        cfg = self.config
        B, T, D = k.shape
        bs = cfg.hi_block_size
        n_blocks = -(-T // bs)
        block_keys = F.pad(k, (0, 0, 0, n_blocks * bs - T)).view(B, n_blocks, bs, D).mean(2)
        block_scores = self.scores(q, w, block_keys)  # [B, C, n_blocks]
        block_end = (torch.arange(n_blocks, device=k.device) + 1) * bs
        complete = block_end[None, :] <= q_pos[:, None] + 1  # [C, n_blocks]
        block_scores = block_scores.masked_fill(~complete, float("-inf"))
        best = block_scores.sort(dim=-1, descending=True, stable=True)
        n_keep = min(cfg.hi_top_blocks, n_blocks)
        own = (q_pos // bs).expand(B, -1)[..., None]  # [B, C, 1]
        keep = torch.where(
            best.values[..., :n_keep] > float("-inf"), best.indices[..., :n_keep], own
        )
        keep = torch.cat((keep, own), dim=-1)  # [B, C, n_keep + 1]
        token_pos = (keep[..., None] * bs + torch.arange(bs, device=k.device)).flatten(-2)
        token_pos = token_pos.clamp(max=T - 1)  # the last block may be short (duplicates agree)
        k_sel = k[torch.arange(B, device=k.device)[:, None, None], token_pos]  # [B, C, S, D]
        per_head = torch.einsum("bchd,bcsd->bchs", q, k_sel).relu_()
        sel_scores = torch.einsum("bchs,bch->bcs", per_head, w)
        out = torch.full((B, q.shape[1], T), HI_UNSCORED, device=k.device)
        return out.scatter(-1, token_pos, sel_scores)


# ----------------------------------------------------------------------------------------------
# MLA with LSA
# ----------------------------------------------------------------------------------------------


class MLA(nn.Module):
    """Multi-head latent attention; `indexer` only on sub-layers that own one (CLI).

    q = q_b(RMSNorm(q_a(x))) -> per head [nope | rope]; the cache keeps the normed latent
    (kv_a -> [latent | k_rope]) and the rotated shared k_rope. kv_b is absorbed: queries are moved
    into latent space (q_nope . W_uk) and the output is lifted back with W_uv, so attention reads
    576 numbers per key and never expands per-head keys.
    """

    def __init__(self, config: LongcatConfig, owns_indexer: bool) -> None:
        super().__init__()
        self.config = config
        H, c = config.num_attention_heads, config
        eps = c.mla_latent_norm_eps if c.mla_latent_norm_eps is not None else c.rms_norm_eps
        self.q_a_proj = nn.Linear(c.hidden_size, c.q_lora_rank, bias=False)
        self.q_a_layernorm = RMSNorm(c.q_lora_rank, eps)
        self.q_b_proj = nn.Linear(c.q_lora_rank, H * c.qk_head_dim, bias=False)
        self.kv_a_proj_with_mqa = nn.Linear(
            c.hidden_size, c.kv_lora_rank + c.qk_rope_head_dim, bias=False
        )
        self.kv_a_layernorm = RMSNorm(c.kv_lora_rank, eps)
        self.kv_b_proj = nn.Linear(c.kv_lora_rank, H * (c.qk_nope_head_dim + c.v_head_dim), False)
        self.o_proj = nn.Linear(H * c.v_head_dim, c.hidden_size, bias=False)
        self.indexer = Indexer(config) if owns_indexer else None
        # LongCat's LoRA scales (config switches, on in every released config)
        self.q_scale = (c.hidden_size / c.q_lora_rank) ** 0.5 if c.mla_scale_q_lora else 1.0
        self.kv_scale = (c.hidden_size / c.kv_lora_rank) ** 0.5 if c.mla_scale_kv_lora else 1.0
        self.scale = softmax_scale(config)

    def forward(
        self,
        x: torch.Tensor,
        positions: torch.Tensor,
        cache: AttentionCache,
        shared_topk: TopK | None = None,
        dense: bool = False,
    ) -> tuple[torch.Tensor, TopK | None]:
        """x [B, L, hidden] at absolute `positions` [L]; `cache` holds the earlier keys and gets
        this call's keys appended. Returns the output and the top-k it used (for CLI reuse)."""
        c = self.config
        B, L, _ = x.shape
        H = c.num_attention_heads
        cos, sin = rope_cos_sin(c, positions)

        q_latent = self.q_a_layernorm(self.q_a_proj(x))
        q = self.q_b_proj(q_latent).view(B, L, H, c.qk_head_dim) * self.q_scale
        q_nope, q_rope = q.split([c.qk_nope_head_dim, c.qk_rope_head_dim], dim=-1)
        q_rope = apply_rope(q_rope, cos, sin, interleave=True)

        latent, k_rope = self.kv_a_proj_with_mqa(x).split([c.kv_lora_rank, c.qk_rope_head_dim], -1)
        latent = self.kv_a_layernorm(latent) * self.kv_scale
        k_rope = apply_rope(k_rope.unsqueeze(2), cos, sin, interleave=True).squeeze(2)
        cache.latent = cache._cat(cache.latent, latent)
        cache.k_rope = cache._cat(cache.k_rope, k_rope)

        w_kv = self.kv_b_proj.weight.view(H, c.qk_nope_head_dim + c.v_head_dim, c.kv_lora_rank)
        w_uk, w_uv = w_kv.split([c.qk_nope_head_dim, c.v_head_dim], dim=1)
        q_abs = torch.einsum("blhd,hdr->blhr", q_nope, w_uk)  # queries in latent space

        if self.indexer is not None:  # indexer keys stay in step with the latents, always
            cache.k_index = cache._cat(cache.k_index, self.indexer.keys(x, cos, sin))
        sparse = c.use_indexer and not dense
        if sparse and shared_topk is None:
            assert self.indexer is not None, "a CLI reuse sub-layer was called without a top-k"
            q_idx, w_idx = self.indexer.queries(x, q_latent, cos, sin)

        outputs, chosen = [], []
        for start in range(0, L, c.attn_chunk_size):
            part = slice(start, start + c.attn_chunk_size)
            if not sparse:
                out = self._dense(q_abs[:, part], q_rope[:, part], cache, positions[part])
                outputs.append(out)
                continue
            if shared_topk is not None:
                topk = TopK(shared_topk.indices[:, part], shared_topk.valid[:, part])
            else:
                topk = self.indexer.select(
                    q_idx[:, part], w_idx[:, part], cache.k_index, positions[part]
                )
            chosen.append(topk)
            outputs.append(self._sparse(q_abs[:, part], q_rope[:, part], cache, topk))
        out_latent = torch.cat(outputs, dim=1)  # [B, L, H, r]
        out = torch.einsum("blhr,hvr->blhv", out_latent, w_uv).reshape(B, L, H * c.v_head_dim)
        used = None
        if chosen:
            used = TopK(
                torch.cat([t.indices for t in chosen], 1), torch.cat([t.valid for t in chosen], 1)
            )
        return self.o_proj(out), used

    def _dense(self, q_abs, q_rope, cache: AttentionCache, q_pos) -> torch.Tensor:
        """Causal attention over every cached key (the reference the sparse path must match).

        In latent space MLA is multi-query attention: every head's query [q_abs | q_rope]
        meets the one shared key [latent | k_rope] and reads the one shared value `latent`:
        softmax(scale * q.k) @ latent, here by torch's fused SDPA (same math, less memory).
        """
        H = q_abs.shape[2]
        q = torch.cat((q_abs, q_rope), dim=-1).transpose(1, 2)  # [B, H, C, r + d_rope]
        k = torch.cat((cache.latent, cache.k_rope), dim=-1)[:, None].expand(-1, H, -1, -1)
        v = cache.latent[:, None].expand(-1, H, -1, -1)  # [B, H, T, r]
        key_pos = torch.arange(cache.latent.shape[1], device=q_abs.device)
        causal = key_pos[None, :] <= q_pos[:, None]  # [C, T], True = attend
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=causal, scale=self.scale)
        return out.transpose(1, 2)  # [B, C, H, r]

    def _sparse(self, q_abs, q_rope, cache: AttentionCache, topk: TopK) -> torch.Tensor:
        """Attention over the gathered top-k latents only: [B, C, K, 512+64] per chunk.

        Each query has its own key set, so the query position becomes a batch dim and the heads
        play the role of SDPA's query sequence: [B, C, H, d] x [B, C, K, d] -> [B, C, H, r].
        """
        if self.config.attn_backend == "triton":  # the same, reading the cache in place
            return lsa_triton.sparse_mla(
                q_abs, q_rope, cache.latent, cache.k_rope, topk.indices, topk.valid, self.scale
            )
        rows = torch.arange(q_abs.shape[0], device=q_abs.device)[:, None, None]
        latent = cache.latent[rows, topk.indices]  # [B, C, K, r]
        keys = torch.cat((latent, cache.k_rope[rows, topk.indices]), dim=-1)  # [B, C, K, r+d]
        q = torch.cat((q_abs, q_rope), dim=-1)  # [B, C, H, r + d_rope]
        mask = topk.valid[:, :, None, :]  # [B, C, 1, K]
        return F.scaled_dot_product_attention(q, keys, latent, attn_mask=mask, scale=self.scale)


# ----------------------------------------------------------------------------------------------
# ScMoE: router, routed experts, identity experts
# ----------------------------------------------------------------------------------------------


class Router(nn.Module):
    def __init__(self, config: LongcatConfig) -> None:
        super().__init__()
        n = config.n_routed_experts + config.zero_expert_num
        self.topk = config.moe_topk
        self.classifier = nn.Linear(config.hidden_size, n, bias=config.router_bias)
        # A correction used for choosing experts only; a Parameter (not trained here) because
        # the checkpoint stores it and its elements count in the released parameter total.
        self.e_score_correction_bias = nn.Parameter(torch.zeros(n), requires_grad=False)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        bias = None if self.classifier.bias is None else self.classifier.bias.float()
        logits = F.linear(x.float(), self.classifier.weight.float(), bias)  # router in fp32
        scores = logits.softmax(dim=-1)
        biased = scores + self.e_score_correction_bias.float()
        chosen = biased.topk(self.topk, dim=-1).indices
        return chosen, scores.gather(-1, chosen)  # no renormalisation over the chosen


class MoE(nn.Module):
    """Routed SwiGLU experts 0..E-1 and identity experts E..E+Z-1 (they return their input)."""

    def __init__(self, config: LongcatConfig) -> None:
        super().__init__()
        self.config = config
        self.router = Router(config)
        self.experts = nn.ModuleList(
            MLP(config.hidden_size, config.expert_ffn_hidden_size)
            for _ in range(config.n_routed_experts)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = self.config
        flat = x.reshape(-1, x.shape[-1])
        chosen, weights = self.router(flat)  # [N, k] each
        out = torch.zeros_like(flat)
        for expert in chosen.unique().tolist():
            token, slot = torch.where(chosen == expert)
            w = weights[token, slot, None]
            if expert < c.n_routed_experts:
                y = self.experts[expert](flat[token]) * (w * c.routed_scaling_factor)
            else:
                scale = c.routed_scaling_factor if c.zero_expert_scaling else 1.0
                y = flat[token] * (w * scale)
            out.index_add_(0, token, y.to(flat.dtype))
        return out.view_as(x)


# ----------------------------------------------------------------------------------------------
# Decoder layer (ScMoE shortcut) and model
# ----------------------------------------------------------------------------------------------


class DecoderLayer(nn.Module):
    """h = x + Attn0(n(x)); n0 = n(h); moe = MoE(n0); h += MLP0(n0); h += Attn1(n(h));
    h += MLP1(n(h)) + moe. Attn1 reuses Attn0's top-k when cli_factor == 2."""

    def __init__(self, config: LongcatConfig) -> None:
        super().__init__()
        self.config = config
        eps, hidden = config.rms_norm_eps, config.hidden_size
        owns = [config.use_indexer, config.use_indexer and config.cli_factor == 1]
        self.self_attn = nn.ModuleList(MLA(config, owns[i]) for i in range(2))
        self.mlps = nn.ModuleList(MLP(hidden, config.ffn_hidden_size) for _ in range(2))
        self.mlp = MoE(config)
        self.input_layernorm = nn.ModuleList(RMSNorm(hidden, eps) for _ in range(2))
        self.post_attention_layernorm = nn.ModuleList(RMSNorm(hidden, eps) for _ in range(2))

    def forward(self, x, positions, caches: list[AttentionCache], dense: bool = False):
        attn, topk0 = self.self_attn[0](
            self.input_layernorm[0](x), positions, caches[0], None, dense
        )
        h = x + attn
        n0 = self.post_attention_layernorm[0](h)
        moe = self.mlp(n0)  # the shortcut branch: in serving it overlaps the next sub-layer
        h = h + self.mlps[0](n0)
        reuse = topk0 if self.config.cli_factor == 2 else None
        attn, _ = self.self_attn[1](self.input_layernorm[1](h), positions, caches[1], reuse, dense)
        h = h + attn
        return h + self.mlps[1](self.post_attention_layernorm[1](h)) + moe


class MTPLayer(nn.Module):
    """The MTP module's one dense layer: pre-norm MLA (with its own indexer) and SwiGLU."""

    def __init__(self, config: LongcatConfig) -> None:
        super().__init__()
        eps = config.rms_norm_eps
        self.input_layernorm = RMSNorm(config.hidden_size, eps)
        self.self_attn = MLA(config, owns_indexer=config.use_indexer)
        self.post_attention_layernorm = RMSNorm(config.hidden_size, eps)
        self.mlp = MLP(config.hidden_size, config.ffn_hidden_size)

    def forward(self, x, positions, cache: AttentionCache, shared_topk=None):
        attn, topk = self.self_attn(self.input_layernorm(x), positions, cache, shared_topk)
        h = x + attn
        return h + self.mlp(self.post_attention_layernorm(h)), topk


class MTPModule(TokenEmbedding):
    """One shared multi-token-prediction module, applied mtp_num_steps times for drafts.

    g = eh_proj([RMSNorm(embed(next_tok)); RMSNorm(h_prev)]) -> one dense layer (MLA with its
    own indexer + SwiGLU) -> norm -> the main lm_head. Its embedding (with N-gram tables) is its
    own, which is what makes the released MTP parameter count come out exactly.
    """

    def __init__(self, config: LongcatConfig) -> None:
        super().__init__(config, ngram=config.mtp_use_ngram_embedding)
        hidden, eps = config.hidden_size, config.rms_norm_eps
        self.enorm = RMSNorm(hidden, eps)
        self.hnorm = RMSNorm(hidden, eps)
        self.eh_proj = nn.Linear(2 * hidden, hidden, bias=False)
        self.layers = nn.ModuleList([MTPLayer(config)])
        self.norm = RMSNorm(hidden, eps)

    def forward(self, next_tokens, h_prev, cache: LongcatCache, shared_topk=None):
        """next_tokens [B, L] (the token after each position), h_prev [B, L, hidden] (the main
        model's pre-norm hidden state, or this module's own output at draft steps 2..n)."""
        previous = self.history(cache, next_tokens.shape[0], next_tokens.device)
        positions = torch.arange(cache.length, cache.length + next_tokens.shape[1])
        positions = positions.to(next_tokens.device)
        e = self.embed(next_tokens, previous)
        x = self.eh_proj(torch.cat((self.enorm(e), self.hnorm(h_prev)), dim=-1))
        x, topk = self.layers[0](x, positions, cache.layers[0], shared_topk)
        cache.tokens = (
            next_tokens if cache.tokens is None else torch.cat((cache.tokens, next_tokens), 1)
        )
        return x, topk


class LongcatModel(TokenEmbedding):
    def __init__(self, config: LongcatConfig) -> None:
        super().__init__(config)
        self.layers = nn.ModuleList(DecoderLayer(config) for _ in range(config.num_layers))
        self.norm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        if config.num_nextn_predict_layers:
            self.mtp = MTPModule(config)

    def forward(self, tokens: torch.Tensor, cache: LongcatCache, dense: bool = False):
        """Returns the pre-norm last hidden state [B, L, hidden] and appends to `cache`."""
        B, L = tokens.shape
        positions = torch.arange(cache.length, cache.length + L, device=tokens.device)
        h = self.embed(tokens, self.history(cache, B, tokens.device))
        for i, layer in enumerate(self.layers):
            h = layer(h, positions, cache.layers[2 * i : 2 * i + 2], dense)
        cache.tokens = tokens if cache.tokens is None else torch.cat((cache.tokens, tokens), dim=1)
        return h


@dataclass
class LongcatOutput:
    logits: torch.Tensor  # [B, L, vocab], fp32
    hidden_states: torch.Tensor  # [B, L, hidden], before the final norm (what MTP reads)
    cache: LongcatCache


class LongcatForCausalLM(PreTrainedModel):
    """The LongCat-2.0 reference: `from_pretrained`/`save_pretrained` with the checkpoint's names,
    a KV-cached forward and `generate` with optional MTP speculative decoding."""

    config_class = LongcatConfig
    base_model_prefix = "model"
    _no_split_modules = ["DecoderLayer"]

    def __init__(self, config: LongcatConfig) -> None:
        super().__init__(config)
        self.model = LongcatModel(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.post_init()

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        std = getattr(self.config, "initializer_range", 0.02)
        if isinstance(module, (nn.Linear, nn.Embedding)):
            module.weight.normal_(0.0, std)
            if getattr(module, "bias", None) is not None:
                module.bias.zero_()
        elif isinstance(module, (RMSNorm, nn.LayerNorm)):
            module.weight.fill_(1.0)
            if getattr(module, "bias", None) is not None:
                module.bias.zero_()
        elif isinstance(module, Router):
            module.e_score_correction_bias.zero_()

    def new_cache(self) -> LongcatCache:
        return LongcatCache(2 * self.config.num_layers)

    def forward(
        self,
        input_ids: torch.Tensor,
        cache: LongcatCache | None = None,
        dense: bool = False,
        attention_mask: torch.Tensor | None = None,
    ) -> LongcatOutput:
        """Logits for `input_ids` continuing `cache` (a new cache when None).

        dense=True ignores the indexer and attends to every causal key (the reference LSA must
        equal whenever kv length <= index_topk). Padding is not supported: an attention_mask
        must be all ones.
        """
        if attention_mask is not None and not bool(attention_mask.all()):
            raise ValueError("padded batches are not supported: run sequences one at a time")
        cache = self.new_cache() if cache is None else cache
        hidden = self.model(input_ids, cache, dense)
        logits = self.lm_head(self.model.norm(hidden)).float()
        return LongcatOutput(logits, hidden, cache)

    # ------------------------------------------------------------------------------------------
    # Generation
    # ------------------------------------------------------------------------------------------

    @torch.no_grad()
    def generate(
        self,
        input_ids: torch.Tensor,
        max_new_tokens: int = 32,
        eos_token_id: int | None = None,
        temperature: float = 0.0,
        use_mtp: bool = False,
        generator: torch.Generator | None = None,
        stats: dict | None = None,
    ) -> torch.Tensor:
        """Continue `input_ids` [B, L]; greedy when temperature is 0. Stops at `eos_token_id`
        (default: the config's) or after max_new_tokens. use_mtp drafts mtp_num_steps tokens with
        the MTP module and verifies them in one forward (greedy, batch 1): the output is exactly
        the plain greedy output, only faster when drafts are accepted. `stats` (if given)
        receives drafted/accepted counts."""
        eos = self.config.eos_token_id if eos_token_id is None else eos_token_id
        if use_mtp:
            if not self.config.num_nextn_predict_layers:
                raise ValueError("use_mtp=True but the model has no MTP module")
            if temperature > 0 or input_ids.shape[0] != 1:
                raise ValueError("MTP speculative decoding is greedy and batch-1 only here")
            return self._generate_mtp(input_ids, max_new_tokens, eos, stats)
        cache = self.new_cache()
        logits = self(input_ids, cache).logits[:, -1]
        out, done = [input_ids], torch.zeros(input_ids.shape[0], dtype=torch.bool)
        for _ in range(max_new_tokens):
            token = _pick(logits, temperature, generator)
            token = torch.where(done.to(token.device), torch.full_like(token, eos), token)
            out.append(token[:, None])
            done |= (token == eos).cpu()
            if bool(done.all()):
                break
            logits = self(token[:, None], cache).logits[:, -1]
        return torch.cat(out, dim=1)

    def _generate_mtp(self, input_ids, max_new_tokens: int, eos: int, stats: dict | None):
        steps = self.config.mtp_num_steps
        cache, mtp_cache = self.new_cache(), LongcatCache(1)
        result = self(input_ids, cache)
        hidden = result.hidden_states  # pre-norm states of positions not yet seen by MTP
        token = result.logits[:, -1].argmax(-1, keepdim=True)  # [1, 1]: the next, unprocessed
        generated = [token]
        drafted = accepted = 0
        while len(generated) < max_new_tokens and token.item() != eos:
            drafts = self._draft(cache, mtp_cache, hidden, token, steps)
            verify = self(torch.cat([token] + drafts, dim=1), cache)
            predicted = verify.logits[0].argmax(-1)  # main model's choice after each position
            n_ok = 0
            while n_ok < len(drafts) and drafts[n_ok].item() == predicted[n_ok].item():
                n_ok += 1
            drafted, accepted = drafted + len(drafts), accepted + n_ok
            cache.crop(cache.length - len(drafts) + n_ok)  # keep token + accepted drafts
            hidden = verify.hidden_states[:, : n_ok + 1]
            new = drafts[:n_ok] + [predicted[n_ok].view(1, 1)]
            for t in new:
                generated.append(t)
                if t.item() == eos or len(generated) >= max_new_tokens:
                    break
            token = generated[-1]
        if stats is not None:
            stats.update(drafted=drafted, accepted=accepted)
        return torch.cat([input_ids] + generated[:max_new_tokens], dim=1)

    def _draft(self, cache, mtp_cache, hidden, token, steps: int) -> list[torch.Tensor]:
        """Draft `steps` tokens after `token` (not yet in the main cache).

        Step 1 catches the MTP cache up with the main model: positions it has not seen, each fed
        the main hidden state there and the token after it (the last one is `token`). Steps 2..n
        feed the module its own output and draft token; they reuse step 1's indexer selection
        (plus the new positions), and are cropped away afterwards.
        """
        mtp = self.model.mtp
        start = mtp_cache.length
        next_tokens = torch.cat((cache.tokens[:, start + 1 :], token), dim=1)
        g, topk = mtp(next_tokens, hidden[:, -next_tokens.shape[1] :], mtp_cache)
        drafts = [self.lm_head(mtp.norm(g[:, -1:])).argmax(-1)]
        keep = mtp_cache.length
        shared = None if topk is None else TopK(topk.indices[:, -1:], topk.valid[:, -1:])
        for _ in range(steps - 1):
            if shared is not None:
                pos = torch.full((1, 1, 1), mtp_cache.length, device=token.device)
                shared = TopK(
                    torch.cat((shared.indices, pos), -1),
                    torch.cat((shared.valid, torch.ones_like(pos, dtype=torch.bool)), -1),
                )
            g, _ = mtp(drafts[-1], g[:, -1:], mtp_cache, shared)
            drafts.append(self.lm_head(mtp.norm(g)).argmax(-1))
        mtp_cache.crop(keep)
        return drafts


def _pick(logits: torch.Tensor, temperature: float, generator) -> torch.Tensor:
    if temperature <= 0:
        return logits.argmax(-1)
    probs = (logits / temperature).softmax(-1)
    return torch.multinomial(probs, 1, generator=generator).squeeze(-1)


def count_parameters(model: nn.Module) -> tuple[int, int]:
    """(non-MTP, MTP) element counts, the way the release reports them."""
    mtp = sum(p.numel() for n, p in model.named_parameters() if n.startswith("model.mtp."))
    total = sum(p.numel() for p in model.parameters())
    return total - mtp, mtp
