"""The reference against independent implementations with the same random weights:
transformers LongcatFlash (MLA, yarn, ScMoE), transformers DeepseekV32 and mlx-lm deepseek_v32
(the DSA indexer), mlx-lm longcat_flash_ngram (N-gram ids and embedding), and the released
parameter counts on the meta device."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the `local` extra (torch) is not installed")

from longcat_evals.model_adapter.reference.configuration import (  # noqa: E402
    longcat_2_config,
    tiny_config,
)
from longcat_evals.model_adapter.reference.modeling import (  # noqa: E402
    Indexer,
    LongcatForCausalLM,
    TokenEmbedding,
    count_parameters,
    ngram_ids,
    rope_cos_sin,
)
from longcat_evals.model_adapter.reference.peers import transformers_longcat_flash  # noqa: E402


@torch.no_grad()
def test_logits_equal_transformers_longcat_flash_with_indexer_and_ngram_off():
    pytest.importorskip("transformers.models.longcat_flash")
    torch.manual_seed(0)
    config = tiny_config(
        use_indexer=False,
        use_ngram_embedding=False,
        num_nextn_predict_layers=0,
        mla_latent_norm_eps=1e-6,  # transformers' latent-norm eps (SGLang/mlx use rms_norm_eps)
    )
    model = LongcatForCausalLM(config).eval()
    for name, p in model.named_parameters():  # non-trivial norms and selection bias
        if "norm" in name:
            p.normal_(1.0, 0.1)
        if "e_score_correction_bias" in name:
            p.normal_(0.0, 0.02)
    hf = transformers_longcat_flash(model)
    tokens = torch.randint(
        3, config.vocab_size, (2, 48), generator=torch.Generator().manual_seed(1)
    )
    ours, theirs = model(tokens).logits, hf(tokens).logits.float()
    assert (ours - theirs).abs().max().item() <= 1e-4


def _indexer_inputs(config, length: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    indexer = Indexer(config).eval()
    if isinstance(indexer.k_norm, torch.nn.LayerNorm):
        indexer.k_norm.weight.data.normal_(1.0, 0.1, generator=g)
        indexer.k_norm.bias.data.normal_(0.0, 0.1, generator=g)
    x = torch.randn(1, length, config.hidden_size, generator=g)
    q_latent = torch.randn(1, length, config.q_lora_rank, generator=g)
    return indexer, x, q_latent


def _our_topk(indexer, x, q_latent) -> list[set[int]]:
    config = indexer.config
    positions = torch.arange(x.shape[1])
    cos, sin = rope_cos_sin(config, positions)
    q, w = indexer.queries(x, q_latent, cos, sin)
    chosen = indexer.select(q, w, indexer.keys(x, cos, sin), positions)
    return [set(i[v].tolist()) for i, v in zip(chosen.indices[0], chosen.valid[0], strict=True)]


class _TopkInputs:
    """Captures the tensors handed to torch's topk (the peer's final index scores)."""

    def __new__(cls):
        from torch.utils._python_dispatch import TorchDispatchMode

        class Mode(TorchDispatchMode):
            def __init__(self):
                super().__init__()
                self.inputs = []

            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                if func is torch.ops.aten.topk.default:
                    self.inputs.append(args[0].clone())
                return func(*args, **(kwargs or {}))

        return Mode()


# SI off (no sinks, no local window): plain DSA selection, which is what the peers implement.
DSA = dict(index_init_tokens=0, index_local_tokens=0, index_n_heads=16, index_topk=24)


@torch.no_grad()
def test_indexer_topk_equals_transformers_deepseek_v32():
    v32 = pytest.importorskip("transformers.models.deepseek_v32.modeling_deepseek_v32")
    from transformers import DeepseekV32Config

    config = tiny_config(index_k_norm="layernorm", index_rope_interleave=False, **DSA)
    indexer, x, q_latent = _indexer_inputs(config, 80)
    theirs_config = DeepseekV32Config(
        hidden_size=config.hidden_size,
        index_n_heads=config.index_n_heads,
        index_head_dim=config.index_head_dim,
        index_topk=config.index_topk,
        q_lora_rank=config.q_lora_rank,
        qk_rope_head_dim=config.qk_rope_head_dim,
        qk_nope_head_dim=config.qk_nope_head_dim,
        num_attention_heads=config.num_attention_heads,
        num_key_value_heads=config.num_attention_heads,
    )
    theirs = v32.DeepseekV32Indexer(theirs_config, layer_idx=0).eval()
    missing, unexpected = theirs.load_state_dict(indexer.state_dict(), strict=False)
    assert not missing and not unexpected
    cos, sin = rope_cos_sin(config, torch.arange(80))  # [T, d/2] -> transformers' [1, T, d]
    cos_sin = (torch.cat((cos, cos), -1)[None], torch.cat((sin, sin), -1)[None])
    causal = torch.ones(80, 80, dtype=torch.bool).tril()[None]
    with _TopkInputs() as seen:  # their index scores, as handed to their topk
        indices = theirs(x, q_latent, cos_sin, causal, None)[0]
    theirs_sets = [{i for i in row.tolist() if i <= t} for t, row in enumerate(indices)]
    assert _our_topk(indexer, x, q_latent) == theirs_sets
    # the scores themselves, over the causal keys
    q, w = indexer.queries(x, q_latent, cos, sin)
    ours = indexer.scores(q, w, indexer.keys(x, cos, sin))[0]
    [their_scores] = seen.inputs
    assert (ours - their_scores[0]).abs()[causal[0]].max().item() <= 1e-5


@torch.no_grad()
def test_indexer_topk_equals_mlx_lm_deepseek_v32():
    mx = pytest.importorskip("mlx.core", reason="mlx is not importable (install the dev extra)")
    v32 = pytest.importorskip("mlx_lm.models.deepseek_v32")

    config = tiny_config(index_k_norm="layernorm", rope_scaling=None, **DSA)
    indexer, x, q_latent = _indexer_inputs(config, 80, seed=3)
    indexer.k_norm.eps = 1e-5  # mlx's LayerNorm default
    args = v32.ModelArgs(
        hidden_size=config.hidden_size,
        index_n_heads=config.index_n_heads,
        index_head_dim=config.index_head_dim,
        index_topk=config.index_topk,
        q_lora_rank=config.q_lora_rank,
        qk_rope_head_dim=config.qk_rope_head_dim,
        rope_theta=config.rope_theta,
        indexer_rope_interleave=True,
    )
    theirs = v32.Indexer(args)
    for name, tensor in indexer.state_dict().items():
        module_name, attr = name.rsplit(".", 1)
        setattr(getattr(theirs, module_name), attr, mx.array(tensor.numpy()))
    mask = mx.array(torch.ones(80, 80, dtype=torch.bool).tril().numpy())
    indices = theirs(mx.array(x.numpy()), mx.array(q_latent.numpy()), mask)
    rows = torch.tensor(indices.tolist())[0, 0]
    theirs_sets = [{i for i in row.tolist() if i <= t} for t, row in enumerate(rows)]
    ours = _our_topk(indexer, x, q_latent)
    assert ours[config.index_topk :] == theirs_sets[config.index_topk :]


@torch.no_grad()
def test_ngram_ids_and_embedding_equal_mlx_lm_longcat_flash_ngram():
    mx = pytest.importorskip("mlx.core", reason="mlx is not importable (install the dev extra)")
    ngram = pytest.importorskip("mlx_lm.models.longcat_flash_ngram")

    # mlx-lm's ratio is an integer multiple and it has no EOS segmentation: documented naming
    # (ngram_vocab_size_ratio/emb_neighbor_num/emb_split_num, word_embeddings/embedders/
    # post_projs) and behaviour differences; the sequence below holds no EOS.
    config = tiny_config(vocab_size=512, oe_vocab_size_ratio=3.0, oe_neighbor_num=5, oe_split_num=2)
    torch.manual_seed(0)
    ours = TokenEmbedding(config).eval()
    args = ngram.ModelArgs(
        model_type="longcat_flash_ngram",
        hidden_size=config.hidden_size,
        ffn_hidden_size=1,
        moe_topk=1,
        expert_ffn_hidden_size=1,
        n_routed_experts=1,
        zero_expert_num=0,
        num_layers=1,
        vocab_size=config.vocab_size,
        max_position_embeddings=64,
        num_attention_heads=1,
        kv_lora_rank=1,
        q_lora_rank=1,
        qk_rope_head_dim=2,
        qk_nope_head_dim=2,
        v_head_dim=2,
        routed_scaling_factor=1.0,
        rms_norm_eps=1e-5,
        rope_theta=1e4,
        mla_scale_q_lora=True,
        mla_scale_kv_lora=True,
        ngram_vocab_size_ratio=3,
        emb_neighbor_num=config.oe_neighbor_num,
        emb_split_num=config.oe_split_num,
    )
    theirs = ngram.NgramEmbedding(args)
    theirs.word_embeddings.weight = mx.array(ours.embed_tokens.weight.numpy())
    for i in range(config.ngram_tables):
        theirs.embedders[i].weight = mx.array(getattr(ours, f"oe_embed_tokens{i}").weight.numpy())
        theirs.post_projs[i].weight = mx.array(getattr(ours, f"oe_embed_proj{i}").weight.numpy())
    g = torch.Generator().manual_seed(2)
    tokens = torch.randint(3, config.vocab_size, (2, 30), generator=g)
    empty = torch.zeros(2, 0, dtype=torch.long)
    # ids: recompute mlx-lm's hashing through its own helpers, table by table
    ctx = mx.array(tokens.numpy())
    shifted = {g_: theirs._shift_right(ctx, g_ - 1) for g_ in range(2, config.oe_neighbor_num + 1)}
    for i, ids in enumerate(ngram_ids(tokens, empty, config)):
        g_, j = divmod(i, config.oe_split_num)
        g_ += 2
        mod = int(theirs.m + i * 2 + 1)
        raw = theirs._get_ngram_ids(ctx, shifted, theirs._vocab_mods[(g_, j)], ngram=g_)
        assert ids.tolist() == (raw % mod).tolist(), f"table {i}"
    expected = torch.tensor(theirs(ctx).tolist())
    assert (ours.embed(tokens, empty) - expected).abs().max().item() <= 1e-5
    # decode-time state: mlx-lm's cache of the last n-1 tokens vs ours, one token at a time
    cache = [None]
    theirs(ctx[:, :20], cache=cache)
    step = torch.tensor(theirs(ctx[:, 20:21], cache=cache).tolist())
    ours_step = ours.embed(tokens[:, 20:21], tokens[:, 20 - (config.oe_neighbor_num - 1) : 20])
    assert (ours_step - step).abs().max().item() <= 1e-5


@pytest.mark.slow
def test_longcat_2_parameter_counts_on_meta_device():
    with torch.device("meta"):
        model = LongcatForCausalLM(longcat_2_config())
    assert next(model.parameters()).device.type == "meta"
    assert count_parameters(model) == (1_638_616_807_424, 136_943_683_712)


def _mlx_args(module, c, **extra):
    return module.ModelArgs(
        model_type="longcat_flash",
        hidden_size=c.hidden_size,
        ffn_hidden_size=c.ffn_hidden_size,
        moe_topk=c.moe_topk,
        expert_ffn_hidden_size=c.expert_ffn_hidden_size,
        n_routed_experts=c.n_routed_experts,
        zero_expert_num=c.zero_expert_num,
        num_layers=c.num_layers,
        vocab_size=c.vocab_size,
        max_position_embeddings=c.max_position_embeddings,
        num_attention_heads=c.num_attention_heads,
        kv_lora_rank=c.kv_lora_rank,
        q_lora_rank=c.q_lora_rank,
        qk_rope_head_dim=c.qk_rope_head_dim,
        qk_nope_head_dim=c.qk_nope_head_dim,
        v_head_dim=c.v_head_dim,
        routed_scaling_factor=c.routed_scaling_factor,
        rms_norm_eps=c.rms_norm_eps,
        rope_theta=c.rope_theta,
        mla_scale_q_lora=True,
        mla_scale_kv_lora=True,
        attention_bias=False,
        rope_scaling=dict(c.rope_parameters),
        **extra,
    )


def _random_norms(model):
    for name, p in model.named_parameters():
        if "norm" in name:
            p.data.normal_(1.0, 0.1)
        if "e_score_correction_bias" in name:
            p.data.normal_(0.0, 0.02)


@pytest.mark.parametrize("ngram", [False, True], ids=["longcat_flash", "longcat_flash_ngram"])
@torch.no_grad()
def test_logits_equal_mlx_lm_longcat_flash(ngram):
    """A second independent MLA + yarn + ScMoE implementation (and, with ngram, mlx-lm's N-gram
    model), loaded through mlx-lm's own sanitize() from the reference's checkpoint-named state
    dict; the N-gram tables are renamed oe_embed_tokens{i} -> ngram_embeddings.embedders.{i},
    oe_embed_proj{i} -> ngram_embeddings.post_projs.{i}. EOS-free tokens (mlx-lm does not
    segment at EOS)."""
    mx = pytest.importorskip("mlx.core", reason="mlx is not importable (install the dev extra)")
    name = "longcat_flash_ngram" if ngram else "longcat_flash"
    module = pytest.importorskip(f"mlx_lm.models.{name}")

    torch.manual_seed(0)
    c = tiny_config(use_indexer=False, use_ngram_embedding=ngram, num_nextn_predict_layers=0)
    model = LongcatForCausalLM(c).eval()
    _random_norms(model)
    if ngram:
        args = _mlx_args(
            module,
            c,
            ngram_vocab_size_ratio=c.oe_vocab_size_ratio,
            emb_neighbor_num=c.oe_neighbor_num,
            emb_split_num=c.oe_split_num,
        )
    else:
        args = _mlx_args(module, c, attention_method="MLA", zero_expert_type="identity")
    theirs = module.Model(args)
    state = {}
    for key, value in model.state_dict().items():
        for ours, mlx_name in (("oe_embed_tokens", "embedders."), ("oe_embed_proj", "post_projs.")):
            if key.startswith(f"model.{ours}"):
                key = key.replace(f"model.{ours}", f"model.ngram_embeddings.{mlx_name}")
        state[key] = mx.array(value.numpy())
    theirs.load_weights(list(theirs.sanitize(state).items()), strict=True)
    tokens = torch.randint(3, c.vocab_size, (1, 48), generator=torch.Generator().manual_seed(4))
    expected = torch.tensor(theirs(mx.array(tokens.numpy())).tolist())
    assert (model(tokens).logits - expected).abs().max().item() <= 1e-4
