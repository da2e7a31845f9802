"""LongCat-2.0 reference implementation in PyTorch (needs the `local` extra: torch, safetensors,
transformers). Import the submodules directly; this package imports nothing heavy."""
