"""Load LongCat checkpoints: sharded safetensors with the released tensor names, including the
FP8 release's 128x128 block-scaled weights (`<name>_scale_inv` beside each float8 `<name>`),
dequantised on load. Also the `tiny` preset (random init from a seed) for tests and demos."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import torch
from safetensors import safe_open
from transformers.initialization import no_init_weights

from longcat_evals.errors import UserFacingError
from longcat_evals.model_adapter.reference.configuration import LongcatConfig, tiny_config
from longcat_evals.model_adapter.reference.modeling import LongcatForCausalLM

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


def _shards(path: Path) -> dict[str, Path]:
    """tensor name -> shard file, from model.safetensors.index.json or the *.safetensors files."""
    index = path / "model.safetensors.index.json"
    if index.exists():
        weight_map = json.loads(index.read_text())["weight_map"]
        return {name: path / file for name, file in weight_map.items()}
    files = sorted(path.glob("*.safetensors"))
    if not files:
        raise UserFacingError(f"No *.safetensors files in {path}; is it a checkpoint directory?")
    names: dict[str, Path] = {}
    for file in files:
        with safe_open(file, framework="pt") as f:
            names.update(dict.fromkeys(f.keys(), file))
    return names


def read_state_dict(path: Path, dtype: torch.dtype | None) -> Iterator[tuple[str, torch.Tensor]]:
    """Yield (name, tensor) over all shards, FP8 weights dequantised and cast to `dtype`."""
    names = _shards(path)
    by_file: dict[Path, list[str]] = {}
    for name, file in names.items():
        if not name.endswith("_scale_inv"):
            by_file.setdefault(file, []).append(name)
    for file, tensor_names in sorted(by_file.items()):
        with safe_open(file, framework="pt") as f:
            for name in tensor_names:
                tensor = f.get_tensor(name)
                if tensor.dtype in FP8_DTYPES:
                    scale_name = f"{name}_scale_inv"
                    if scale_name not in names:
                        raise UserFacingError(
                            f"{file.name}: float8 tensor {name} has no {scale_name}; "
                            "the checkpoint is incomplete"
                        )
                    with safe_open(names[scale_name], framework="pt") as g:
                        tensor = dequantize_fp8_blocks(tensor, g.get_tensor(scale_name))
                if dtype is not None and tensor.is_floating_point():
                    tensor = tensor.to(dtype)
                yield name, tensor


def load_checkpoint(
    path: str | Path, device: str = "cpu", dtype: torch.dtype | None = None
) -> LongcatForCausalLM:
    """A LongcatForCausalLM from a checkpoint directory (config.json + safetensors shards).

    The model is built on the meta device and the tensors are assigned as they are read, so the
    host needs the weights' memory once (not twice).
    """
    path = Path(path)
    if not (path / "config.json").exists():
        raise UserFacingError(f"No config.json in {path}: give a LongCat checkpoint directory")
    config = LongcatConfig.from_pretrained(path)
    with torch.device("meta"), no_init_weights():
        model = LongcatForCausalLM(config)
    expected = set(model.state_dict())
    state = {}
    for name, tensor in read_state_dict(path, dtype):
        if name not in expected:
            raise UserFacingError(
                f"{path}: unexpected tensor {name} (not a LongCat reference name); "
                "check the checkpoint's config.json matches its weights"
            )
        state[name] = tensor
    missing = sorted(expected - set(state))
    if missing:
        shown = ", ".join(missing[:3]) + (" ..." if len(missing) > 3 else "")
        raise UserFacingError(
            f"{path}: {len(missing)} tensors missing from the checkpoint: {shown}"
        )
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
