"""Load LongCat checkpoints: sharded safetensors in any layout `checkpoint_layout` accepts,
including the FP8 release's 128x128 block-scaled weights (`<name>_scale_inv` beside each float8
`<name>`), dequantised on load. Also the `tiny` preset (random init from a seed) for tests and
demos."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import torch
from safetensors import safe_open
from transformers.initialization import no_init_weights

from longcat_evals.errors import UserFacingError
from longcat_evals.model_adapter.reference.checkpoint_layout import (
    read_config_json,
    resolve_layout,
)
from longcat_evals.model_adapter.reference.configuration import tiny_config
from longcat_evals.model_adapter.reference.modeling import LongcatForCausalLM

logger = logging.getLogger(__name__)

FP8_BLOCK = 128
FP8_DTYPES = (torch.float8_e4m3fn, torch.float8_e5m2)


def dequantize_fp8_blocks(weight: torch.Tensor, scale_inv: torch.Tensor) -> torch.Tensor:
    """W = W_fp8 * scale_inv, one scale per 128x128 block (edge blocks may be partial)."""
    rows, cols = weight.shape
    expected = (-(-rows // FP8_BLOCK), -(-cols // FP8_BLOCK))
    if tuple(scale_inv.shape) != expected:
        raise ValueError(f"scale_inv shape {tuple(scale_inv.shape)}, expected {expected}")
    scale = scale_inv.float().repeat_interleave(FP8_BLOCK, 0)[:rows]
    scale = scale.repeat_interleave(FP8_BLOCK, 1)[:, :cols]
    return weight.float() * scale


def _open(file: Path):
    """safe_open with a one-line error for a missing, truncated or corrupted shard."""
    if not file.exists():
        raise UserFacingError(f"{file}: shard named in the checkpoint index is missing")
    try:
        return safe_open(file, framework="pt")
    except Exception as e:  # safetensors raises its own SafetensorError, OSError, ...
        raise UserFacingError(
            f"{file}: not a readable safetensors file ({str(e).splitlines()[0]}); "
            "re-download or re-save it"
        ) from None


def _shards(path: Path) -> dict[str, Path]:
    """tensor name -> shard file, from model.safetensors.index.json or the *.safetensors files."""
    index = path / "model.safetensors.index.json"
    if index.exists():
        try:
            weight_map = json.loads(index.read_text())["weight_map"]
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise UserFacingError(f"{index}: not a safetensors index ({e!r})") from None
        return {name: path / file for name, file in weight_map.items()}
    files = sorted(path.glob("*.safetensors"))
    if not files:
        raise UserFacingError(f"No *.safetensors files in {path}; is it a checkpoint directory?")
    names: dict[str, Path] = {}
    for file in files:
        with _open(file) as f:
            names.update(dict.fromkeys(f.keys(), file))
    return names


def _get(f, file: Path, name: str) -> torch.Tensor:
    try:
        return f.get_tensor(name)
    except Exception as e:
        raise UserFacingError(
            f"{file}: tensor {name} cannot be read ({str(e).splitlines()[0]}); the file is "
            "corrupted or its index is wrong"
        ) from None


def read_state_dict(
    path: Path,
    dtype: torch.dtype | None,
    shards: dict[str, Path] | None = None,
    only: set[str] | None = None,
) -> Iterator[tuple[str, torch.Tensor]]:
    """Yield (name, tensor) over all shards (or the names in `only`), FP8 weights dequantised
    and cast to `dtype`. Names are the checkpoint's own."""
    names = _shards(path) if shards is None else shards
    by_file: dict[Path, list[str]] = {}
    for name, file in names.items():
        if not name.endswith("_scale_inv") and (only is None or name in only):
            by_file.setdefault(file, []).append(name)
    for file, tensor_names in sorted(by_file.items()):
        with _open(file) as f:
            for name in tensor_names:
                tensor = _get(f, file, name)
                if tensor.dtype in FP8_DTYPES:
                    scale_name = f"{name}_scale_inv"
                    if scale_name not in names:
                        raise UserFacingError(
                            f"{file.name}: float8 tensor {name} has no {scale_name}; "
                            "the checkpoint is incomplete"
                        )
                    with _open(names[scale_name]) as g:
                        scale = _get(g, names[scale_name], scale_name)
                    tensor = dequantize_fp8_blocks(tensor, scale)
                if dtype is not None and tensor.is_floating_point():
                    tensor = tensor.to(dtype)
                yield name, tensor


LAYOUTS = (
    "the reference's own, the LongCat-2.0 release, LongCat-Flash's release (with or without "
    "MTP) and transformers' LongcatFlash save_pretrained"
)


def _hint(name: str) -> str:
    """Which switch or mapping decides whether tensor `name` belongs to the model."""
    if ".indexer." in name:
        return "LSA indexer: config use_indexer / attention_method, cli_factor"
    if "oe_embed" in name:
        return "N-gram embedding: use_ngram_embedding and the oe_* fields"
    if name.startswith("model.mtp."):
        return (
            "MTP module: num_nextn_predict_layers (mapped release names: model.mtp.layers.0."
            "{eh_proj,enorm.m,hnorm.m,transformer_layer.mlp.*})"
        )
    if ".mlp.experts." in name or ".router." in name:
        return "MoE: n_routed_experts, zero_expert_num, router_bias"
    if name.startswith("lm_head"):
        return "tie_word_embeddings"
    return f"a name none of the accepted layouts uses ({LAYOUTS})"


def _shown(names: list[str]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def load_checkpoint(
    path: str | Path, device: str = "cpu", dtype: torch.dtype | None = None
) -> LongcatForCausalLM:
    """A LongcatForCausalLM from a checkpoint directory (config.json + safetensors shards).

    The layout (see `checkpoint_layout`) is resolved from config.json and the tensor names before
    any weight is read, so a mismatch fails at once. The model is built on the meta device and
    the tensors are assigned as they are read, so the host needs the weights' memory once.
    """
    path = Path(path)
    raw = read_config_json(path)
    shards = _shards(path)
    layout = resolve_layout(path, raw, [n for n in shards if not n.endswith("_scale_inv")])
    for name, why in sorted(layout.dropped.items())[:1]:
        logger.info("%s: %d tensors not loaded, e.g. %s: %s", path, len(layout.dropped), name, why)
    with torch.device("meta"), no_init_weights():
        model = LongcatForCausalLM(layout.config)
    expected = model.state_dict()
    by_ours = {ours: name for name, ours in layout.names.items()}
    unexpected = sorted(set(by_ours) - set(expected))
    if unexpected:
        first = by_ours[unexpected[0]]
        raise UserFacingError(
            f"{path}: {len(unexpected)} tensors the model built from config.json has no place "
            f"for: {_shown([by_ours[n] for n in unexpected])} ({_hint(unexpected[0])})"
            + (f"; read as {unexpected[0]}" if first != unexpected[0] else "")
        )
    missing = sorted(set(expected) - set(by_ours))
    if missing:
        raise UserFacingError(
            f"{path}: {len(missing)} tensors missing from the checkpoint: {_shown(missing)} "
            f"({_hint(missing[0])})"
        )
    state = {}
    for name, tensor in read_state_dict(path, dtype, shards, set(layout.names)):
        ours = layout.names[name]
        if tuple(tensor.shape) != tuple(expected[ours].shape):
            hint = _hint(ours)
            if hint.startswith("a name none"):  # a known name, so the sizes are what differ
                hint = "hidden_size, the head dims, the LoRA ranks, the FFN sizes, vocab_size"
            raise UserFacingError(
                f"{path}: tensor {name} has shape {list(tensor.shape)} but config.json implies "
                f"{list(expected[ours].shape)}; check {hint}"
            )
        state[ours] = tensor
    model.load_state_dict(state, assign=True, strict=True)
    return model.to(device).eval()


def build_tiny(seed: int = 0, vocab_size: int | None = None, **overrides) -> LongcatForCausalLM:
    """The `tiny` preset with weights drawn from `seed` (the vocabulary of the shipped
    tokenizer unless given)."""
    if vocab_size is None:
        from longcat_evals.model_adapter.reference.tokenizer import load_tiny_tokenizer

        vocab_size = load_tiny_tokenizer().get_vocab_size()
    torch.manual_seed(seed)
    return LongcatForCausalLM(tiny_config(vocab_size=vocab_size, **overrides)).eval()
