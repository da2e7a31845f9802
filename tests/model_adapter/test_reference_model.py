"""The reference model's own invariants: LSA == dense within the top-k budget, KV-cached
decoding == full recomputation, save -> load bit-exact, MTP speculative == greedy, N-gram ids."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the `local` extra (torch) is not installed")

from longcat_evals.model_adapter.reference.configuration import tiny_config  # noqa: E402
from longcat_evals.model_adapter.reference.modeling import (  # noqa: E402
    LongcatForCausalLM,
    ngram_ids,
)

EOS = 2


def _model(seed: int = 0, **overrides) -> LongcatForCausalLM:
    torch.manual_seed(seed)
    model = LongcatForCausalLM(tiny_config(**overrides)).eval()
    with torch.no_grad():  # a non-zero correction bias so the biased selection path is exercised
        for layer in model.model.layers:
            layer.mlp.router.e_score_correction_bias.normal_(0, 0.02)
    return model


def _tokens(length: int, seed: int = 1, eos_every: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    tokens = torch.randint(3, 1024, (1, length), generator=g)
    if eos_every:
        tokens[:, eos_every::eos_every] = EOS
    return tokens


@pytest.fixture(scope="module")
def model() -> LongcatForCausalLM:
    return _model()


@torch.no_grad()
def test_lsa_equals_dense_while_kv_fits_topk(model):
    tokens = _tokens(model.config.index_topk, eos_every=17)
    sparse, dense = model(tokens).logits, model(tokens, dense=True).logits
    assert (sparse - dense).abs().max().item() <= 1e-5
    # the same holds while decoding on top of a cache
    cache_s, cache_d = model.new_cache(), model.new_cache()
    model(tokens[:, :40], cache_s), model(tokens[:, :40], cache_d, dense=True)
    for t in range(40, tokens.shape[1]):
        a = model(tokens[:, t : t + 1], cache_s).logits
        b = model(tokens[:, t : t + 1], cache_d, dense=True).logits
        assert (a - b).abs().max().item() <= 1e-5


@torch.no_grad()
def test_sparsity_really_happens_at_a_few_hundred_tokens(model):
    tokens = _tokens(300)
    out = model(tokens).logits
    topk = model.model.layers[0].self_attn[0].indexer
    cfg = model.config
    layer = model.model.layers[0].self_attn[0]
    cache = model.new_cache()
    model(tokens, cache)
    # the last query: 64 selected out of 300 causal keys, sinks and the local window included
    q_pos = torch.tensor([299])
    x = torch.randn(1, 1, cfg.hidden_size)
    q_lat = layer.q_a_layernorm(layer.q_a_proj(x))
    from longcat_evals.model_adapter.reference.modeling import rope_cos_sin

    cos, sin = rope_cos_sin(cfg, q_pos)
    q, w = topk.queries(x, q_lat, cos, sin)
    chosen = topk.select(q, w, cache.layers[0].k_index, q_pos)
    picked = set(chosen.indices[0, 0].tolist())
    assert len(picked) == cfg.index_topk and bool(chosen.valid.all())
    assert set(range(cfg.index_init_tokens)) <= picked
    assert set(range(300 - cfg.index_local_tokens, 300)) <= picked
    dense = model(tokens, dense=True).logits
    assert (out - dense).abs().max().item() > 1e-3  # sparse attention changed the result


@torch.no_grad()
def test_kv_cached_decoding_equals_full_recomputation(model):
    tokens = _tokens(260, eos_every=37)  # past index_topk, EOS segments cross the split
    full = model(tokens).logits
    cache = model.new_cache()
    parts = [model(tokens[:, :200], cache).logits]
    parts += [model(tokens[:, t : t + 1], cache).logits for t in range(200, 230)]
    parts.append(model(tokens[:, 230:], cache).logits)  # a multi-token chunk on a cache
    assert (torch.cat(parts, dim=1) - full).abs().max().item() <= 1e-4


@torch.no_grad()
def test_save_load_round_trip_is_bit_exact(model, tmp_path):
    model.save_pretrained(tmp_path)
    loaded = LongcatForCausalLM.from_pretrained(tmp_path).eval()
    a, b = model.state_dict(), loaded.state_dict()
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    tokens = _tokens(90)
    assert torch.equal(model(tokens).logits, loaded(tokens).logits)


@torch.no_grad()
def test_mtp_speculative_decoding_equals_greedy(model):
    prompt = _tokens(120, seed=5)
    greedy = model.generate(prompt, max_new_tokens=24, eos_token_id=-1)
    stats: dict = {}
    spec = model.generate(prompt, max_new_tokens=24, eos_token_id=-1, use_mtp=True, stats=stats)
    assert torch.equal(greedy, spec)
    assert stats["drafted"] > 0


@torch.no_grad()
def test_mtp_accept_path_with_perfect_drafts(model, monkeypatch):
    """Random MTP weights draft badly; to exercise acceptance, drafts come from the greedy
    continuation itself, so every draft is accepted and the output must still equal greedy."""
    prompt = _tokens(100, seed=6)
    greedy = model.generate(prompt, max_new_tokens=20, eos_token_id=-1)
    real_draft = LongcatForCausalLM._draft

    def oracle_draft(self, cache, mtp_cache, hidden, token, steps):
        real_draft(self, cache, mtp_cache, hidden, token, steps)  # keep the MTP cache moving
        pos = cache.length + 1  # `token` sits at cache.length; drafts follow it
        return [greedy[:, pos + i : pos + i + 1] for i in range(steps)]

    monkeypatch.setattr(LongcatForCausalLM, "_draft", oracle_draft)
    stats: dict = {}
    spec = model.generate(prompt, max_new_tokens=20, eos_token_id=-1, use_mtp=True, stats=stats)
    assert torch.equal(greedy, spec)
    assert stats["accepted"] == stats["drafted"] > 0


def test_ngram_ids_by_hand_with_eos_segments():
    cfg = tiny_config(vocab_size=10, oe_vocab_size_ratio=3.0, oe_neighbor_num=3, oe_split_num=1)
    tokens = torch.tensor([[4, 5, EOS, 7, 8]])
    ids = ngram_ids(tokens, torch.zeros(1, 0, dtype=torch.long), cfg)
    m = 30  # int(3.0 * 10)
    mod2, mod3 = m + 1, m + 3  # table 0 (bigrams), table 1 (trigrams)
    # context stops after the EOS at position 2: position 3 (token 7) sees no predecessor
    assert ids[0].tolist() == [[4, (5 + 4 * 10) % mod2, (EOS + 5 * 10) % mod2, 7, (8 + 70) % mod2]]
    tri = [4, 5 + 40, EOS + 50 + 4 * (100 % mod3), 7, 8 + 70]
    assert ids[1].tolist() == [[v % mod3 for v in tri]]
    # the decode-time state (last n-1 tokens) gives the same ids as the full sequence
    tail = ngram_ids(tokens[:, 4:], tokens[:, 2:4], cfg)
    assert [t.tolist() for t in tail] == [[[i[0, 4].item()]] for i in ids]


@torch.no_grad()
def test_hierarchical_index_our_design_off_by_default():
    assert tiny_config().use_hierarchical_index is False
    model = _model(use_hierarchical_index=True, hi_block_size=16, hi_top_blocks=3)
    cfg = model.config
    tokens = _tokens(200, eos_every=41)
    full = model(tokens).logits
    assert (full - model(tokens, dense=True).logits).abs().max().item() > 1e-4  # sparse
    flat = _model()  # same weights (same seed) without HI: HI changes the selection
    assert (full - flat(tokens).logits).abs().max().item() > 1e-5
    # causal by construction: KV-cached decoding equals the full recomputation
    cache = model.new_cache()
    parts = [model(tokens[:, :150], cache).logits]
    parts += [model(tokens[:, t : t + 1], cache).logits for t in range(150, 200)]
    assert (torch.cat(parts, dim=1) - full).abs().max().item() <= 1e-4
    # the last query's keys: sinks, local window, 3 kept blocks + its own (48 + 20 >= 64: no filler)
    cache = model.new_cache()
    model(tokens, cache)
    indexer = model.model.layers[0].self_attn[0].indexer
    q_pos = torch.tensor([199])
    x = torch.randn(1, 1, cfg.hidden_size)
    layer = model.model.layers[0].self_attn[0]
    from longcat_evals.model_adapter.reference.modeling import rope_cos_sin

    cos, sin = rope_cos_sin(cfg, q_pos)
    q, w = indexer.queries(x, layer.q_a_layernorm(layer.q_a_proj(x)), cos, sin)
    picked = indexer.select(q, w, cache.layers[0].k_index, q_pos).indices[0, 0].tolist()
    forced = set(range(cfg.index_init_tokens)) | set(range(200 - cfg.index_local_tokens, 200))
    blocks = {i // 16 for i in picked if i not in forced}
    assert forced <= set(picked) and len(blocks - {199 // 16}) <= 3
    # within the budget every causal key is selected: exactly dense, as without HI
    short = _tokens(60)
    assert (model(short).logits - model(short, dense=True).logits).abs().max().item() <= 1e-5


class _LargestTensor:
    """Records the element count of the largest tensor any aten op produces."""

    def __new__(cls):
        from torch.utils._python_dispatch import TorchDispatchMode

        class Mode(TorchDispatchMode):
            largest = 0

            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                out = func(*args, **(kwargs or {}))
                for t in out if isinstance(out, (tuple, list)) else [out]:
                    if isinstance(t, torch.Tensor):
                        self.largest = max(self.largest, t.numel())
                return out

        return Mode()


@torch.no_grad()
def test_memory_grows_linearly_with_context(model):
    """No L x L tensor on the sparse path: the indexer scores a chunk of queries at a time and
    attention gathers index_topk latents per query."""
    largest = {}
    for length in (384, 768):
        cache = model.new_cache()
        with _LargestTensor() as mode:
            model.model(_tokens(length), cache)  # the layers (the lm_head is L x vocab anyway)
        largest[length] = mode.largest
    assert largest[768] <= 2.1 * largest[384]
    assert largest[768] < 768 * 768  # the biggest is chunk x index heads x L
