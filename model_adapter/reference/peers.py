"""Independent implementations loaded with the reference's weights (tests and benches).

transformers' `LongcatFlashForCausalLM` shares every tensor name with the reference except the
experts, which it fuses: `mlp.experts.gate_up_proj` [E+Z, 2I, H] (rows past E unused: identity
experts) and `mlp.experts.down_proj` [E, H, I]. It has no indexer, N-gram embedding or MTP.
"""

from __future__ import annotations

import torch

from longcat_evals.model_adapter.reference.modeling import LongcatForCausalLM


def transformers_longcat_flash(model: LongcatForCausalLM, attn_implementation: str = "eager"):
    """transformers' LongcatFlashForCausalLM with `model`'s weights (indexer and N-gram off)."""
    from transformers import LongcatFlashConfig, LongcatFlashForCausalLM

    c = model.config
    if c.use_indexer or c.use_ngram_embedding:
        raise ValueError("transformers' LongcatFlash has no indexer / N-gram embedding: turn off")
    yarn = {k: v for k, v in (c.rope_parameters or {}).items() if k not in ("type", "rope_type")}
    rope = dict(
        yarn, rope_type="yarn" if yarn.get("factor") else "default", rope_theta=c.rope_theta
    )
    hf_config = LongcatFlashConfig(
        vocab_size=c.vocab_size,
        hidden_size=c.hidden_size,
        num_layers=c.num_layers,
        num_attention_heads=c.num_attention_heads,
        ffn_hidden_size=c.ffn_hidden_size,
        q_lora_rank=c.q_lora_rank,
        kv_lora_rank=c.kv_lora_rank,
        qk_nope_head_dim=c.qk_nope_head_dim,
        qk_rope_head_dim=c.qk_rope_head_dim,
        head_dim=c.qk_rope_head_dim,
        v_head_dim=c.v_head_dim,
        moe_topk=c.moe_topk,
        n_routed_experts=c.n_routed_experts,
        zero_expert_num=c.zero_expert_num,
        expert_ffn_hidden_size=c.expert_ffn_hidden_size,
        routed_scaling_factor=c.routed_scaling_factor,
        rms_norm_eps=c.rms_norm_eps,
        max_position_embeddings=c.max_position_embeddings,
        rope_parameters=rope,
    )
    dtype = next(model.parameters()).dtype
    hf = LongcatFlashForCausalLM._from_config(
        hf_config, attn_implementation=attn_implementation, dtype=dtype
    ).eval()
    state = {  # transformers skips MTP weights (model.mtp.*) on load too
        k: v
        for k, v in model.state_dict().items()
        if ".mlp.experts." not in k and not k.startswith("model.mtp.")
    }
    for i, layer in enumerate(model.model.layers):
        experts = layer.mlp.experts
        gate_up = torch.zeros_like(hf.model.layers[i].mlp.experts.gate_up_proj)
        gate_up[: c.n_routed_experts] = torch.stack(
            [torch.cat((e.gate_proj.weight, e.up_proj.weight)) for e in experts]
        )
        state[f"model.layers.{i}.mlp.experts.gate_up_proj"] = gate_up
        state[f"model.layers.{i}.mlp.experts.down_proj"] = torch.stack(
            [e.down_proj.weight for e in experts]
        )
    missing, unexpected = hf.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise RuntimeError(f"names do not line up: missing {missing}, unexpected {unexpected}")
    return hf
