"""Configuration of the LongCat-2.0 reference model, with the checkpoint's field names.

Two presets: `tiny` (random init, CPU-sized, every feature on) and `longcat-2.0` (the released
shape; instantiate it on the meta device only). Field names follow the released `config.json`
(`oe_*` for the N-gram embedding, `index_*` for the LSA indexer); fields the release does not carry
are our own switches and say so.
"""

from __future__ import annotations

from typing import Any

from transformers import PretrainedConfig

ATTN_BACKENDS = ("torch", "triton")  # see `attn_backend`

LONGCAT_2_ROPE_SCALING = {
    "type": "yarn",
    "factor": 120.0,
    "original_max_position_embeddings": 8192,
    "beta_fast": 32.0,
    "beta_slow": 1.0,
    "mscale": 1.0,
    "mscale_all_dim": 1.0,
}


class LongcatConfig(PretrainedConfig):
    """Shape and switches of a LongCat-architecture model.

    Args:
        vocab_size: Token vocabulary size.
        hidden_size: Residual stream width.
        num_layers: Decoder layers; each holds two attention sub-layers and two dense MLPs.
        num_attention_heads: MLA heads.
        rms_norm_eps: Epsilon of every RMSNorm.
        q_lora_rank: Rank of the query down-projection.
        kv_lora_rank: Rank of the shared key/value latent (what the cache stores).
        qk_nope_head_dim: Per-head query/key dims without RoPE.
        qk_rope_head_dim: Per-head query dims (and shared key dims) with RoPE.
        v_head_dim: Per-head value dims.
        mla_latent_norm_eps: Epsilon of the q/kv latent norms; None means `rms_norm_eps` (SGLang,
            mlx-lm). transformers uses 1e-6. Our own field.
        mla_scale_q_lora: Multiply the normed q latent by sqrt(hidden / q_lora_rank) (LongCat's
            LoRA scale; the released configs set it true, as vLLM/SGLang read it).
        mla_scale_kv_lora: The same for the kv latent, sqrt(hidden / kv_lora_rank).
        ffn_hidden_size: Hidden size of the two dense SwiGLU MLPs per layer.
        n_routed_experts: Routed SwiGLU experts.
        expert_ffn_hidden_size: Hidden size of one routed expert.
        zero_expert_num: Identity ("zero-computation") experts appended after the routed ones.
        moe_topk: Experts chosen per token.
        routed_scaling_factor: Multiplier on the (unnormalised) router weights.
        router_bias: Whether the router classifier has a bias.
        zero_expert_scaling: True (transformers, mlx-lm, SGLang longcat_flash_pro): identity experts
            are weighted by score x routed_scaling_factor like routed experts. False (SGLang
            longcat_flash): identity experts get the bare softmax score. Our own switch.
        rope_theta: RoPE base. None: taken from `rope_parameters["rope_theta"]` (where
            transformers 5 writes it, and nowhere else), else 1e6 (LongCat-2.0's). A top-level
            value and one inside `rope_parameters`/`rope_scaling` must agree.
        rope_scaling: (alias `rope_parameters`, transformers 5's name) deepseek-yarn parameters
            (`factor`, `original_max_position_embeddings`, `beta_fast`, `beta_slow`, `mscale`,
            `mscale_all_dim`, optionally `attention_factor`) or None. Given both, they must
            agree.
        max_position_embeddings: Declared context length (not enforced; RoPE works beyond it).
        use_indexer: LSA on (sparse attention) or off (dense MLA everywhere). Our own switch.
        index_n_heads: Indexer heads.
        index_head_dim: Indexer head dims (RoPE on the first `qk_rope_head_dim`).
        index_topk: Keys each query attends to.
        index_local_tokens: SI: the last positions up to the query, always selected.
        index_init_tokens: SI: the first positions (sinks), always selected.
        cli_factor: CLI group size: sub-layer 0 of each group computes the top-k, the rest reuse
            it. LongCat-2.0 uses 2 (the two sub-layers of a layer). 1 disables CLI.
        index_k_norm: Norm on the indexer key: "rms" (LongCat) or "layernorm" (DeepSeek-V3.2).
        index_rope_interleave: GPT-J pairs (mlx-lm) or half-split (transformers DeepSeek-V3.2).
        use_hierarchical_index: HI, OUR OWN design (Meituan publishes none), off by default: score
            blocks of `hi_block_size` keys by their mean indexer key, keep `hi_top_blocks`, then
            select tokens inside them.
        hi_block_size: HI block size in tokens.
        hi_top_blocks: HI blocks kept per query (besides sink and local blocks).
        use_ngram_embedding: N-gram embedding on/off. Our own switch.
        oe_vocab_size_ratio: Rows per n-gram table, as a multiple of `vocab_size`.
        oe_neighbor_num: Largest n-gram size n (grams 2..n).
        oe_split_num: Tables per gram size k.
        num_nextn_predict_layers: MTP modules (0 or 1; LongCat-2.0 shares one across steps).
        mtp_use_ngram_embedding: Whether the MTP module has its own N-gram tables
            (`model.mtp.oe_embed_tokens{i}`); None means as `use_ngram_embedding`. Our own field,
            inferred from the tensors when loading a checkpoint.
        mtp_num_steps: Draft tokens per speculative step.
        attn_chunk_size: Queries per chunk in the indexer and attention (memory knob). Runtime.
        attn_backend: "torch" (the reference code) or "triton" (`lsa_triton`: fused indexer
            scores and sparse attention reading the cache in place; CUDA, or Triton's CPU
            interpreter). Same results within the tolerances stated there. Runtime.
    """

    model_type = "longcat_flash_pro"
    keys_to_ignore_at_inference = ["past_key_values"]

    def __init__(
        self,
        vocab_size: int = 163840,
        hidden_size: int = 8192,
        num_layers: int = 38,
        num_attention_heads: int = 64,
        rms_norm_eps: float = 1e-5,
        q_lora_rank: int = 1536,
        kv_lora_rank: int = 512,
        qk_nope_head_dim: int = 128,
        qk_rope_head_dim: int = 64,
        v_head_dim: int = 128,
        mla_latent_norm_eps: float | None = None,
        mla_scale_q_lora: bool = True,
        mla_scale_kv_lora: bool = True,
        ffn_hidden_size: int = 12288,
        n_routed_experts: int = 768,
        expert_ffn_hidden_size: int = 2048,
        zero_expert_num: int = 128,
        moe_topk: int = 12,
        routed_scaling_factor: float = 9.0,
        router_bias: bool = False,
        zero_expert_scaling: bool = True,
        rope_theta: float | None = None,
        rope_scaling: dict[str, Any] | None = None,
        rope_parameters: dict[str, Any] | None = None,
        max_position_embeddings: int = 262144,
        use_indexer: bool = True,
        index_n_heads: int = 32,
        index_head_dim: int = 128,
        index_topk: int = 2048,
        index_local_tokens: int = 1024,
        index_init_tokens: int = 16,
        cli_factor: int = 2,
        index_k_norm: str = "rms",
        index_rope_interleave: bool = True,
        use_hierarchical_index: bool = False,
        hi_block_size: int = 64,
        hi_top_blocks: int = 16,
        use_ngram_embedding: bool = True,
        oe_vocab_size_ratio: float = 100.567,
        oe_neighbor_num: int = 5,
        oe_split_num: int = 4,
        num_nextn_predict_layers: int = 1,
        mtp_use_ngram_embedding: bool | None = None,
        mtp_num_steps: int = 3,
        attn_chunk_size: int = 256,
        attn_backend: str = "torch",
        bos_token_id: int = 1,
        eos_token_id: int = 2,
        pad_token_id: int | None = 0,
        tie_word_embeddings: bool = False,
        **kwargs: Any,
    ) -> None:
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.num_attention_heads = num_attention_heads
        self.rms_norm_eps = rms_norm_eps
        self.q_lora_rank = q_lora_rank
        self.kv_lora_rank = kv_lora_rank
        self.qk_nope_head_dim = qk_nope_head_dim
        self.qk_rope_head_dim = qk_rope_head_dim
        self.v_head_dim = v_head_dim
        self.mla_latent_norm_eps = mla_latent_norm_eps
        self.mla_scale_q_lora = mla_scale_q_lora
        self.mla_scale_kv_lora = mla_scale_kv_lora
        self.ffn_hidden_size = ffn_hidden_size
        self.n_routed_experts = n_routed_experts
        self.expert_ffn_hidden_size = expert_ffn_hidden_size
        self.zero_expert_num = zero_expert_num
        self.moe_topk = moe_topk
        self.routed_scaling_factor = routed_scaling_factor
        self.router_bias = router_bias
        self.zero_expert_scaling = zero_expert_scaling
        self.rope_parameters, self.rope_theta = _resolve_rope(
            rope_theta, rope_parameters, rope_scaling
        )
        self.max_position_embeddings = max_position_embeddings
        self.use_indexer = use_indexer
        self.index_n_heads = index_n_heads
        self.index_head_dim = index_head_dim
        self.index_topk = index_topk
        self.index_local_tokens = index_local_tokens
        self.index_init_tokens = index_init_tokens
        self.cli_factor = cli_factor
        self.index_k_norm = index_k_norm
        self.index_rope_interleave = index_rope_interleave
        self.use_hierarchical_index = use_hierarchical_index
        self.hi_block_size = hi_block_size
        self.hi_top_blocks = hi_top_blocks
        self.use_ngram_embedding = use_ngram_embedding
        self.oe_vocab_size_ratio = oe_vocab_size_ratio
        self.oe_neighbor_num = oe_neighbor_num
        self.oe_split_num = oe_split_num
        self.num_nextn_predict_layers = num_nextn_predict_layers
        self.mtp_use_ngram_embedding = mtp_use_ngram_embedding
        self.mtp_num_steps = mtp_num_steps
        self.attn_chunk_size = attn_chunk_size
        self.attn_backend = attn_backend
        self._validate()
        super().__init__(
            bos_token_id=bos_token_id,
            eos_token_id=eos_token_id,
            pad_token_id=pad_token_id,
            tie_word_embeddings=tie_word_embeddings,
            **kwargs,
        )

    def _validate(self) -> None:
        if self.attn_backend not in ATTN_BACKENDS:
            raise ValueError(f"attn_backend={self.attn_backend!r}: use one of {ATTN_BACKENDS}")
        if self.index_k_norm not in ("rms", "layernorm"):
            raise ValueError(f"index_k_norm={self.index_k_norm!r}: use 'rms' or 'layernorm'")
        if self.cli_factor not in (1, 2):
            raise ValueError(f"cli_factor={self.cli_factor}: the reference supports 1 or 2")
        if self.num_nextn_predict_layers not in (0, 1):
            raise ValueError("num_nextn_predict_layers must be 0 or 1 (one shared MTP module)")
        if self.use_ngram_embedding and self.hidden_size % self.ngram_tables:
            raise ValueError(
                f"hidden_size {self.hidden_size} is not divisible by the {self.ngram_tables} "
                "n-gram tables ((oe_neighbor_num-1)*oe_split_num)"
            )
        if self.index_init_tokens + self.index_local_tokens > self.index_topk:
            raise ValueError("index_init_tokens + index_local_tokens must fit in index_topk")

    @property
    def qk_head_dim(self) -> int:
        return self.qk_nope_head_dim + self.qk_rope_head_dim

    @qk_head_dim.setter
    def qk_head_dim(self, value: int) -> None:  # some config.json files carry it
        if value != self.qk_head_dim:
            raise ValueError(f"qk_head_dim {value} != qk_nope_head_dim + qk_rope_head_dim")

    @property
    def num_hidden_layers(self) -> int:
        """Attention blocks (two per layer); what generic tooling counts."""
        return 2 * self.num_layers

    @num_hidden_layers.setter
    def num_hidden_layers(self, value: int) -> None:
        # A config.json may carry it beside `num_layers`, counted either way: transformers counts
        # attention blocks (2 per layer), SGLang's LongCat configs count layers. Either reading
        # that agrees with `num_layers` is accepted; anything else is a contradiction, never a
        # silent resize (an old setter halved the model here).
        if value not in (self.num_layers, 2 * self.num_layers):
            raise ValueError(
                f"num_hidden_layers={value} disagrees with num_layers={self.num_layers} "
                f"(expected {2 * self.num_layers} attention blocks, or {self.num_layers} "
                "layers): keep only num_layers"
            )

    @property
    def ngram_tables(self) -> int:
        return (self.oe_neighbor_num - 1) * self.oe_split_num

    @property
    def ngram_base_rows(self) -> int:
        """m = int(ratio * V): table i has m + 2i + 1 rows."""
        return int(self.oe_vocab_size_ratio * self.vocab_size)


ROPE_TYPES_YARN = ("yarn", "deepseek_yarn")  # SGLang's deepseek_yarn is transformers' yarn
DEFAULT_ROPE_THETA = 1e6  # LongCat-2.0's


def _resolve_rope(
    rope_theta: float | None,
    rope_parameters: dict[str, Any] | None,
    rope_scaling: dict[str, Any] | None,
) -> tuple[dict[str, Any] | None, float]:
    """(yarn parameters or None, rope_theta) from the three places a config may put them.

    transformers 5 writes `rope_parameters` = {"rope_type", "rope_theta", yarn keys...} and no
    top-level `rope_theta`; older configs write `rope_theta` + `rope_scaling`. Any two that are
    present must agree, so no spelling can silently override another.
    """
    given = {
        name: dict(value)
        for name, value in (("rope_parameters", rope_parameters), ("rope_scaling", rope_scaling))
        if value
    }
    thetas = {"rope_theta": rope_theta} if rope_theta is not None else {}
    for name, value in given.items():
        if value.get("rope_theta") is not None:
            thetas[f"{name}.rope_theta"] = value["rope_theta"]
    if len({float(v) for v in thetas.values()}) > 1:
        shown = ", ".join(f"{k}={v}" for k, v in thetas.items())
        raise ValueError(f"RoPE base given twice with different values ({shown}): keep one")
    theta = float(next(iter(thetas.values()))) if thetas else DEFAULT_ROPE_THETA
    scalings = {}
    for name, value in given.items():
        kind = value.get("rope_type", value.get("type", "yarn" if "factor" in value else None))
        rest = {k: v for k, v in value.items() if k not in ("rope_type", "type", "rope_theta")}
        if kind in (None, "default") and not rest:
            continue
        if kind not in ROPE_TYPES_YARN:
            raise ValueError(
                f"{name}: rope_type={kind!r} is not supported (LongCat uses yarn / deepseek_yarn)"
            )
        if rest.get("truncate", True) is not True or rest.get("partial_rotary_factor", 1) != 1:
            raise ValueError(
                f"{name}: truncate=false / partial_rotary_factor are not supported (deepseek-yarn "
                "truncates its correction range and rotates all qk_rope_head_dim dims)"
            )
        for key in ("factor", "original_max_position_embeddings"):
            if rest.get(key) is None:
                raise ValueError(f"{name}: yarn needs {key!r}")
        rest = {k: v for k, v in rest.items() if k not in ("truncate", "partial_rotary_factor")}
        scalings[name] = rest
    if len(scalings) == 2 and scalings["rope_parameters"] != scalings["rope_scaling"]:
        raise ValueError(
            f"rope_parameters {scalings['rope_parameters']} and rope_scaling "
            f"{scalings['rope_scaling']} disagree: keep one"
        )
    if not scalings:
        return None, theta
    return {"type": "yarn", **next(iter(scalings.values()))}, theta


def tiny_config(vocab_size: int = 1024, **overrides: Any) -> LongcatConfig:
    """A CPU-sized model with every feature on.

    index_topk 64 with 4 sinks and 16 local tokens, so at a few hundred tokens each query really
    picks 44 of its keys by score; two layers so CLI reuse happens in each.
    """
    values: dict[str, Any] = dict(
        vocab_size=vocab_size,
        hidden_size=128,
        num_layers=2,
        num_attention_heads=4,
        q_lora_rank=48,
        kv_lora_rank=32,
        qk_nope_head_dim=16,
        qk_rope_head_dim=8,
        v_head_dim=16,
        ffn_hidden_size=192,
        n_routed_experts=8,
        expert_ffn_hidden_size=64,
        zero_expert_num=4,
        moe_topk=3,
        routed_scaling_factor=2.0,
        rope_theta=10000.0,
        rope_scaling={
            "type": "yarn",
            "factor": 4.0,
            "original_max_position_embeddings": 512,
            "beta_fast": 32.0,
            "beta_slow": 1.0,
            "mscale": 1.0,
            "mscale_all_dim": 1.0,
        },
        max_position_embeddings=2048,
        index_n_heads=8,
        index_head_dim=32,
        index_topk=64,
        index_local_tokens=16,
        index_init_tokens=4,
        oe_vocab_size_ratio=1.5,
        oe_neighbor_num=3,
        oe_split_num=2,
        attn_chunk_size=64,
        initializer_range=0.05,
    )
    values.update(overrides)
    return LongcatConfig(**values)


def longcat_2_config(**overrides: Any) -> LongcatConfig:
    """The released LongCat-2.0 shape (1.64T non-MTP parameters): meta device only."""
    values: dict[str, Any] = dict(rope_scaling=dict(LONGCAT_2_ROPE_SCALING))
    values.update(overrides)
    return LongcatConfig(**values)


PRESETS = {"tiny": tiny_config, "longcat-2.0": longcat_2_config}
