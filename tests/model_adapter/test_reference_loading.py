"""Sharded safetensors with FP8 128x128 block-scaled weights, written here in the release's
format (float8_e4m3fn `<name>` + float32 `<name>_scale_inv`, index json), loaded and dequantised."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch", reason="the `local` extra (torch) is not installed")

from safetensors.torch import save_file  # noqa: E402

from longcat_evals.errors import UserFacingError  # noqa: E402
from longcat_evals.model_adapter.reference.configuration import tiny_config  # noqa: E402
from longcat_evals.model_adapter.reference.loading import load_checkpoint  # noqa: E402
from longcat_evals.model_adapter.reference.modeling import LongcatForCausalLM  # noqa: E402

FP8_MAX = 448.0  # largest float8_e4m3fn


def _quantize(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Block-quantise the way DeepSeek/LongCat FP8 releases are made; returns (fp8, scale_inv,
    the dequantised weight computed element by element, independently of the loader)."""
    rows, cols = weight.shape
    br, bc = -(-rows // 128), -(-cols // 128)
    q = torch.empty(rows, cols, dtype=torch.float8_e4m3fn)
    scale_inv = torch.empty(br, bc)
    expected = torch.empty(rows, cols)
    for i in range(br):
        for j in range(bc):
            block = weight[i * 128 : (i + 1) * 128, j * 128 : (j + 1) * 128]
            s = block.abs().max().clamp(min=1e-12) / FP8_MAX
            qb = (block / s).to(torch.float8_e4m3fn)
            q[i * 128 : (i + 1) * 128, j * 128 : (j + 1) * 128] = qb
            scale_inv[i, j] = s
            expected[i * 128 : (i + 1) * 128, j * 128 : (j + 1) * 128] = qb.float() * s
    return q, scale_inv, expected


def _is_quantised(name: str, tensor: torch.Tensor) -> bool:
    # as in the release: projection matrices are FP8; embeddings, norms, router and head are not
    return tensor.dim() == 2 and name.endswith("proj.weight") and "oe_embed_proj" not in name


@pytest.fixture(scope="module")
def fp8_checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    model = LongcatForCausalLM(tiny_config()).eval()
    path = tmp_path_factory.mktemp("fp8")
    expected, tensors = {}, {}
    for name, tensor in model.state_dict().items():
        if _is_quantised(name, tensor):
            q, scale_inv, deq = _quantize(tensor)
            tensors[name], tensors[f"{name}_scale_inv"] = q, scale_inv
            expected[name] = deq
        else:
            tensors[name] = tensor.clone()
            expected[name] = tensor
    names = sorted(tensors)
    weight_map = {}
    for shard in range(3):  # a weight and its scale may land in different shards
        file = f"model-{shard + 1:05d}-of-00003.safetensors"
        part = {n: tensors[n].contiguous() for n in names[shard::3]}
        save_file(part, path / file)
        weight_map.update(dict.fromkeys(part, file))
    (path / "model.safetensors.index.json").write_text(json.dumps({"weight_map": weight_map}))
    model.config.save_pretrained(path)
    return path, model, expected


@torch.no_grad()
def test_fp8_block_scaled_sharded_checkpoint_loads_dequantised(fp8_checkpoint):
    path, original, expected = fp8_checkpoint
    loaded = load_checkpoint(path, dtype=torch.float32)
    state = loaded.state_dict()
    assert state.keys() == expected.keys()
    assert sum(_is_quantised(n, t) for n, t in state.items()) > 50
    for name, tensor in state.items():
        assert torch.equal(tensor, expected[name]), name
    tokens = torch.randint(3, 1024, (1, 96), generator=torch.Generator().manual_seed(0))
    a, b = original(tokens).logits, loaded(tokens).logits
    # fp8 weights move the logits a little, not a lot
    assert torch.nn.functional.cosine_similarity(a.flatten(), b.flatten(), dim=0) > 0.99


def test_incomplete_checkpoint_is_a_one_line_error(fp8_checkpoint, tmp_path):
    path, _, _ = fp8_checkpoint
    index = json.loads((path / "model.safetensors.index.json").read_text())
    name = next(n for n in index["weight_map"] if n.endswith("_scale_inv"))
    del index["weight_map"][name]
    for file in path.iterdir():
        (tmp_path / file.name).symlink_to(file)
    (tmp_path / "model.safetensors.index.json").unlink()
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps(index))
    with pytest.raises(UserFacingError, match="has no .*_scale_inv") as e:
        load_checkpoint(tmp_path)
    assert "\n" not in str(e.value)
    with pytest.raises(UserFacingError, match="No config.json"):
        load_checkpoint(tmp_path / "nowhere")


def test_release_style_config_json_is_read(tmp_path):
    """A config.json shaped like the release's (derived and foreign fields included)."""
    import json as _json

    from longcat_evals.model_adapter.reference.configuration import LongcatConfig

    fields = {
        "architectures": ["LongcatFlashProForCausalLM"],
        "model_type": "longcat_flash_pro",
        "num_layers": 38,
        "num_hidden_layers": 76,
        "qk_head_dim": 192,
        "rope_scaling": {"type": "yarn", "factor": 120.0, "original_max_position_embeddings": 8192},
        "oe_vocab_size_ratio": 100.567,
        "index_topk": 2048,
        "torch_dtype": "bfloat16",
    }
    (tmp_path / "config.json").write_text(_json.dumps(fields))
    config = LongcatConfig.from_pretrained(tmp_path)
    assert (config.num_layers, config.num_hidden_layers, config.qk_head_dim) == (38, 76, 192)
    assert config.rope_parameters["factor"] == 120.0 and config.ngram_base_rows == 16476897
