"""Checkpoint layouts the local reference must load without hand edits, and the config fields
that must never be read silently wrong: the RoPE base where transformers 5 writes it, the layer
count spelt two ways, and conflicting spellings of one field."""

from __future__ import annotations

import pytest

pytest.importorskip("torch", reason="the `local` extra (torch) is not installed")

from longcat_evals.model_adapter.reference.configuration import LongcatConfig  # noqa: E402


def test_rope_theta_inside_rope_parameters_only_is_read():
    # transformers 5's save_pretrained writes no top-level rope_theta
    config = LongcatConfig(rope_parameters={"rope_type": "default", "rope_theta": 10000.0})
    assert config.rope_theta == 10000.0 and not (config.rope_parameters or {}).get("factor")
    yarn = {"rope_type": "yarn", "rope_theta": 5e4, "factor": 4.0}
    yarn["original_max_position_embeddings"] = 512
    config = LongcatConfig(rope_parameters=yarn)
    assert config.rope_theta == 5e4 and config.rope_parameters["factor"] == 4.0


YARN = {"type": "yarn", "original_max_position_embeddings": 8}


@pytest.mark.parametrize(
    "fields, named",
    [
        ({"rope_theta": 1e6, "rope_parameters": {"rope_theta": 1e4}}, "rope_parameters.rope_theta"),
        (
            {"rope_scaling": dict(YARN, factor=4), "rope_parameters": dict(YARN, factor=8)},
            "disagree",
        ),
        ({"rope_scaling": {"rope_type": "linear", "factor": 2.0}}, "linear"),
        ({"num_layers": 38, "num_hidden_layers": 50}, "num_hidden_layers=50"),
    ],
)
def test_conflicting_or_unsupported_fields_are_refused(fields, named):
    with pytest.raises(ValueError, match=named) as e:
        LongcatConfig(**fields)
    assert "\n" not in str(e.value)


def test_layer_count_spelt_either_way_never_resizes_the_model():
    # transformers counts attention blocks (2 per layer), SGLang's configs count layers
    assert LongcatConfig(num_layers=38, num_hidden_layers=76).num_layers == 38
    assert LongcatConfig(num_layers=38, num_hidden_layers=38).num_layers == 38


# ----------------------------------------------------------------------------------------------
# Whole checkpoint directories, built from random tiny weights in each layout
# ----------------------------------------------------------------------------------------------

import json  # noqa: E402
import logging  # noqa: E402
import re  # noqa: E402

import torch  # noqa: E402
from safetensors import safe_open  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

from longcat_evals.errors import UserFacingError  # noqa: E402
from longcat_evals.model_adapter.reference.configuration import tiny_config  # noqa: E402
from longcat_evals.model_adapter.reference.loading import load_checkpoint  # noqa: E402
from longcat_evals.model_adapter.reference.modeling import LongcatForCausalLM  # noqa: E402

VOCAB = 1024  # the shipped tiny tokenizer's
FLASH_SHAPE = dict(
    vocab_size=VOCAB,
    hidden_size=64,
    num_layers=2,
    num_attention_heads=4,
    ffn_hidden_size=96,
    q_lora_rank=32,
    kv_lora_rank=16,
    qk_nope_head_dim=16,
    qk_rope_head_dim=8,
    head_dim=8,
    v_head_dim=16,
    moe_topk=2,
    n_routed_experts=4,
    zero_expert_num=2,
    expert_ffn_hidden_size=32,
    routed_scaling_factor=2.0,
    max_position_embeddings=512,
)
ROPE_DEFAULT = {"rope_type": "default", "rope_theta": 10000.0}  # not our 1e6 default
ROPE_YARN = {
    "rope_type": "yarn",
    "rope_theta": 50000.0,
    "factor": 4.0,
    "original_max_position_embeddings": 64,
    "beta_fast": 32.0,
    "beta_slow": 1.0,
    "mscale": 1.0,
    "mscale_all_dim": 1.0,
}


def _tokens(n: int = 40, seed: int = 1) -> torch.Tensor:
    return torch.randint(3, VOCAB, (2, n), generator=torch.Generator().manual_seed(seed))


def _transformers_flash(path, rope: dict, seed: int = 0):
    """transformers' own LongcatFlashForCausalLM with random non-trivial weights, saved by its
    own save_pretrained (config with rope_theta only inside rope_parameters)."""
    pytest.importorskip("transformers.models.longcat_flash")
    from transformers import LongcatFlashConfig, LongcatFlashForCausalLM

    torch.manual_seed(seed)
    hf = LongcatFlashForCausalLM(LongcatFlashConfig(**FLASH_SHAPE, rope_parameters=rope)).eval()
    with torch.no_grad():
        for name, p in hf.named_parameters():
            if "norm" in name:
                p.normal_(1.0, 0.1)
            elif "e_score_correction_bias" in name:
                p.normal_(0.0, 0.02)
            else:
                p.normal_(0.0, 0.1)
    hf.save_pretrained(path)
    return hf


def _flash_mtp_tensors(hidden: int, ffn: int, config) -> dict[str, torch.Tensor]:
    """LongCat-Flash's MTP module under its released names (as SGLang's and vLLM's loaders read
    them); transformers does not model MTP, so these are written beside its save."""
    g = torch.Generator().manual_seed(7)

    def w(*shape):
        return torch.randn(*shape, generator=g) * 0.1

    p = "model.mtp.layers.0."
    c = config
    heads, qk = c["num_attention_heads"], c["qk_nope_head_dim"] + c["qk_rope_head_dim"]
    return {
        "model.mtp.embed_tokens.weight": w(c["vocab_size"], hidden),
        p + "eh_proj.weight": w(hidden, 2 * hidden),
        p + "enorm.m.weight": 1 + w(hidden),
        p + "hnorm.m.weight": 1 + w(hidden),
        p + "input_layernorm.weight": 1 + w(hidden),
        p + "post_attention_layernorm.weight": 1 + w(hidden),
        p + "self_attn.q_a_proj.weight": w(c["q_lora_rank"], hidden),
        p + "self_attn.q_a_layernorm.weight": 1 + w(c["q_lora_rank"]),
        p + "self_attn.q_b_proj.weight": w(heads * qk, c["q_lora_rank"]),
        p + "self_attn.kv_a_proj_with_mqa.weight": w(
            c["kv_lora_rank"] + c["qk_rope_head_dim"], hidden
        ),
        p + "self_attn.kv_a_layernorm.weight": 1 + w(c["kv_lora_rank"]),
        p + "self_attn.kv_b_proj.weight": w(
            heads * (c["qk_nope_head_dim"] + c["v_head_dim"]), c["kv_lora_rank"]
        ),
        p + "self_attn.o_proj.weight": w(hidden, heads * c["v_head_dim"]),
        p + "transformer_layer.mlp.gate_proj.weight": w(ffn, hidden),
        p + "transformer_layer.mlp.up_proj.weight": w(ffn, hidden),
        p + "transformer_layer.mlp.down_proj.weight": w(hidden, ffn),
        "model.mtp.norm.weight": 1 + w(hidden),
    }


@pytest.mark.parametrize("rope", [ROPE_DEFAULT, ROPE_YARN], ids=["rope-default", "rope-yarn"])
@torch.no_grad()
def test_transformers_saved_flash_loads_and_matches_transformers(tmp_path, rope):
    hf = _transformers_flash(tmp_path, rope)
    saved = json.loads((tmp_path / "config.json").read_text())
    assert (
        "rope_theta" not in saved and saved["rope_parameters"]["rope_theta"] == rope["rope_theta"]
    )
    with safe_open(tmp_path / "model.safetensors", "pt") as f:  # the identity-expert rows
        assert "model.layers.0.mlp.experts.5.gate_proj.weight" in f.keys()
    ours = load_checkpoint(tmp_path)
    assert ours.config.rope_theta == rope["rope_theta"]
    assert not ours.config.use_indexer and not ours.config.use_ngram_embedding
    assert ours.config.num_nextn_predict_layers == 0 and ours.config.num_layers == 2
    tokens = _tokens()
    diff = (ours(tokens).logits - hf(tokens).logits.float()).abs().max().item()
    assert diff <= 1e-4, diff


@torch.no_grad()
def test_flash_release_layout_with_mtp_loads(tmp_path):
    hf = _transformers_flash(tmp_path, ROPE_DEFAULT)
    mtp = _flash_mtp_tensors(64, 96, FLASH_SHAPE)
    save_file(mtp, tmp_path / "model-mtp.safetensors")
    ours = load_checkpoint(tmp_path)
    assert ours.config.num_nextn_predict_layers == 1
    assert ours.config.mtp_use_ngram_embedding is False
    state = ours.state_dict()
    renamed = {
        "model.mtp.layers.0.eh_proj.weight": "model.mtp.eh_proj.weight",
        "model.mtp.layers.0.enorm.m.weight": "model.mtp.enorm.weight",
        "model.mtp.layers.0.hnorm.m.weight": "model.mtp.hnorm.weight",
        "model.mtp.layers.0.transformer_layer.mlp.up_proj.weight": (
            "model.mtp.layers.0.mlp.up_proj.weight"
        ),
        "model.mtp.norm.weight": "model.mtp.norm.weight",
    }
    for release, reference in renamed.items():
        assert torch.equal(state[reference], mtp[release]), release
    tokens = _tokens()
    diff = (ours(tokens).logits - hf(tokens).logits.float()).abs().max().item()
    assert diff <= 1e-4, diff
    # MTP speculative decoding is lossless: the same greedy tokens as plain decoding
    prompt = tokens[:1, :12]
    plain = ours.generate(prompt, max_new_tokens=6)
    assert torch.equal(ours.generate(prompt, max_new_tokens=6, use_mtp=True), plain)


def _release_2_0_dir(path, resaved: bool = False, **config_overrides):
    """A tiny LongCat-2.0 in the released layout: the config as public tools read it
    (model_type longcat, LongcatCausalLM, deepseek_yarn, integer routed_scaling_factor,
    index_k_norm_type, mtp_num_layers, attention_method LSA) and the release's tensor names
    (indexer under self_attn.0.indexer, oe_embed_tokens{i}/oe_embed_proj{i}, MTP as released).

    resaved: as a transformers 5 round trip writes it instead: rope_theta only inside
    rope_parameters, transformers' N-gram names (ngram_embeddings.*, emb_* fields) and
    num_hidden_layers counting attention blocks beside num_layers."""
    torch.manual_seed(0)
    model = LongcatForCausalLM(
        tiny_config(vocab_size=VOCAB, routed_scaling_factor=3.0, mtp_use_ngram_embedding=False)
    ).eval()
    c = model.config
    to_release = {
        "model.mtp.eh_proj.weight": "model.mtp.layers.0.eh_proj.weight",
        "model.mtp.enorm.weight": "model.mtp.layers.0.enorm.m.weight",
        "model.mtp.hnorm.weight": "model.mtp.layers.0.hnorm.m.weight",
    }
    tensors = {}
    for name, tensor in model.state_dict().items():
        name = to_release.get(name, name)
        name = name.replace("model.mtp.layers.0.mlp.", "model.mtp.layers.0.transformer_layer.mlp.")
        if resaved:
            name = re.sub(
                r"^model\.oe_embed_tokens(\d+)", r"model.ngram_embeddings.embedders.\1", name
            )
            name = re.sub(
                r"^model\.oe_embed_proj(\d+)", r"model.ngram_embeddings.post_projs.\1", name
            )
        tensors[name] = tensor.clone().contiguous()
    names = sorted(tensors)
    weight_map = {}
    for shard in range(2):
        file = f"model-{shard + 1:05d}-of-00002.safetensors"
        part = {n: tensors[n] for n in names[shard::2]}
        save_file(part, path / file)
        weight_map.update(dict.fromkeys(part, file))
    (path / "model.safetensors.index.json").write_text(json.dumps({"weight_map": weight_map}))
    rope = {
        k: v for k, v in c.rope_parameters.items() if k not in ("type", "rope_type", "rope_theta")
    }
    config = {
        "architectures": ["LongcatCausalLM"],
        "model_type": "longcat",
        "vocab_size": c.vocab_size,
        "hidden_size": c.hidden_size,
        "num_layers": c.num_layers,
        "num_attention_heads": c.num_attention_heads,
        "rms_norm_eps": c.rms_norm_eps,
        "q_lora_rank": c.q_lora_rank,
        "kv_lora_rank": c.kv_lora_rank,
        "qk_nope_head_dim": c.qk_nope_head_dim,
        "qk_rope_head_dim": c.qk_rope_head_dim,
        "v_head_dim": c.v_head_dim,
        "ffn_hidden_size": c.ffn_hidden_size,
        "expert_ffn_hidden_size": c.expert_ffn_hidden_size,
        "n_routed_experts": c.n_routed_experts,
        "zero_expert_num": c.zero_expert_num,
        "zero_expert_type": "identity",
        "moe_topk": c.moe_topk,
        "routed_scaling_factor": 3,  # an integer, as released
        "mla_scale_q_lora": True,
        "mla_scale_kv_lora": True,
        "rope_theta": c.rope_theta,
        "rope_scaling": dict(rope, rope_type="deepseek_yarn", factor=int(rope["factor"])),
        "max_position_embeddings": c.max_position_embeddings,
        "attention_method": "LSA",
        "use_mla": 1,
        "index_n_heads": c.index_n_heads,
        "index_head_dim": c.index_head_dim,
        "index_topk": c.index_topk,
        "index_k_norm_type": "rms",
        "index_local_tokens": c.index_local_tokens,
        "index_init_tokens": c.index_init_tokens,
        "cli_factor": 2,
        "oe_vocab_size_ratio": c.oe_vocab_size_ratio,
        "oe_neighbor_num": c.oe_neighbor_num,
        "oe_split_num": c.oe_split_num,
        "mtp_num_layers": 3,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "torch_dtype": "bfloat16",
    }
    if resaved:
        yarn = dict(config.pop("rope_scaling"), rope_type="yarn")
        config["rope_parameters"] = dict(yarn, rope_theta=config.pop("rope_theta"))
        for ours, theirs in (
            ("oe_vocab_size_ratio", "ngram_vocab_size_ratio"),
            ("oe_neighbor_num", "emb_neighbor_num"),
            ("oe_split_num", "emb_split_num"),
        ):
            config[theirs] = config.pop(ours)
        config.update(num_hidden_layers=2 * c.num_layers, transformers_version="5.24.0")
    config.update(config_overrides)
    (path / "config.json").write_text(json.dumps(config))
    return model


@pytest.mark.parametrize("resaved", [False, True], ids=["as-released", "transformers-resaved"])
@torch.no_grad()
def test_released_longcat_2_layout_loads_with_no_edits(tmp_path, caplog, resaved):
    original = _release_2_0_dir(tmp_path, resaved=resaved)
    with caplog.at_level(logging.WARNING):
        loaded = load_checkpoint(tmp_path)
    assert not [r for r in caplog.records if "not understood" in r.getMessage()]
    c = loaded.config
    assert (c.use_indexer, c.use_ngram_embedding, c.num_nextn_predict_layers) == (True, True, 1)
    assert (c.mtp_num_steps, c.index_k_norm, c.routed_scaling_factor) == (3, "rms", 3.0)
    assert c.rope_parameters["factor"] == 4
    state, expected = loaded.state_dict(), original.state_dict()
    assert state.keys() == expected.keys()
    for name, tensor in expected.items():
        assert torch.equal(state[name], tensor), name
    tokens = _tokens(n=120)  # past index_topk 64: the sparse path really selects
    assert torch.equal(loaded(tokens).logits, original(tokens).logits)


def _one_line(error) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    "override, named",
    [
        ({"num_hidden_layers": 3}, "num_hidden_layers=3"),
        ({"num_layers": 3}, "num_layers=3 but the checkpoint holds 2"),
        ({"index_k_norm": "layernorm"}, "index_k_norm_type='rms' are one field"),
        ({"intermediate_size": 100}, "intermediate_size=100"),
        ({"attention_method": "MLA"}, "use_indexer=False but the checkpoint has"),
        ({"cli_factor": 1}, "cli_factor=1"),
        ({"rope_theta": None}, "no rope_theta"),
        ({"rope_parameters": {"rope_theta": 1.0}}, "rope_parameters.rope_theta=1.0"),
        ({"zero_expert_type": "zero"}, "zero_expert_type='zero' is not implemented"),
        ({"architectures": ["LlamaForCausalLM"]}, "not a LongCat model"),
        ({"hidden_size": 96}, "has shape"),
    ],
)
def test_wrong_or_conflicting_config_field_fails_in_one_line(tmp_path, override, named):
    _release_2_0_dir(tmp_path, **override)
    with pytest.raises(UserFacingError) as e:
        load_checkpoint(tmp_path)
    assert named in _one_line(e), str(e.value)


def test_unknown_config_key_is_named_in_a_warning(tmp_path, caplog):
    _release_2_0_dir(tmp_path, sparse_magic=7)
    with caplog.at_level(logging.WARNING):
        load_checkpoint(tmp_path)
    assert any("'sparse_magic'" in r.getMessage() for r in caplog.records)


def test_flash_config_claiming_lsa_names_the_switch(tmp_path):
    _transformers_flash(tmp_path, ROPE_DEFAULT)
    config = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps(dict(config, attention_method="LSA")))
    with pytest.raises(UserFacingError) as e:
        load_checkpoint(tmp_path)
    message = _one_line(e)
    assert "use_indexer=True but the checkpoint has no" in message and "indexer" in message


def test_missing_and_extra_tensors_say_which_switch(tmp_path):
    _release_2_0_dir(tmp_path)
    index = json.loads((tmp_path / "model.safetensors.index.json").read_text())
    del index["weight_map"]["model.layers.1.self_attn.0.indexer.wk.weight"]
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps(index))
    with pytest.raises(UserFacingError) as e:
        load_checkpoint(tmp_path)
    assert "indexer.wk.weight" in _one_line(e) and "use_indexer" in str(e.value)
    index["weight_map"]["model.layers.0.mlp.experts.0.gate_proj.bias"] = index["weight_map"][
        "lm_head.weight"
    ]
    index["weight_map"]["model.layers.1.self_attn.0.indexer.wk.weight"] = index["weight_map"][
        "model.layers.0.self_attn.0.indexer.wk.weight"
    ]
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps(index))
    with pytest.raises(UserFacingError) as e:
        load_checkpoint(tmp_path)
    assert "experts.0.gate_proj.bias" in _one_line(e) and "n_routed_experts" in str(e.value)


def test_corrupted_safetensors_is_one_line(tmp_path):
    _transformers_flash(tmp_path, ROPE_DEFAULT)
    shard = tmp_path / "model.safetensors"
    data = shard.read_bytes()
    shard.write_bytes(data[: len(data) // 2])  # a truncated download
    with pytest.raises(UserFacingError) as e:
        load_checkpoint(tmp_path)
    assert "model.safetensors" in _one_line(e)
    shard.write_bytes(b"\x00" * 64)  # not safetensors at all
    with pytest.raises(UserFacingError) as e:
        load_checkpoint(tmp_path)
    assert "not a readable safetensors file" in _one_line(e)


@pytest.mark.slow
def test_inspect_eval_niah_on_a_transformers_saved_flash_dir(tmp_path):
    """The acceptance run: `inspect eval longcat_evals/niah --model longcat-local/<dir>` on a
    directory transformers' save_pretrained wrote (plus the tokenizer a checkpoint ships), with
    no edits to it."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from inspect_ai.log import list_eval_logs, read_eval_log

    from longcat_evals.model_adapter.reference.tokenizer import TINY_TOKENIZER

    checkpoint = tmp_path / "flash"
    _transformers_flash(checkpoint, ROPE_DEFAULT)
    shutil.copy(TINY_TOKENIZER, checkpoint / "tokenizer.json")
    inspect = Path(sys.executable).with_name("inspect")
    command = [
        str(inspect), "eval", "longcat_evals/niah", "--model", f"longcat-local/{checkpoint}",
        "-T", "lengths=512,1k", "-T", "depths=50", "-T", "answer_tokens=8",
        "-T", f"tokenizer={TINY_TOKENIZER}", "--log-dir", str(tmp_path / "logs"),
        "--display", "none",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    [info] = list_eval_logs(str(tmp_path / "logs"))
    log = read_eval_log(info)
    assert log.status == "success", log.error
    assert len(log.samples) == 2 and all(s.scores for s in log.samples)
    assert all(s.output.usage.input_tokens > 300 for s in log.samples)
