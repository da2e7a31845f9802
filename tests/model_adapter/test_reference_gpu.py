"""CUDA checks of the reference's torch path (the same PyTorch code runs on the GPU) and of the
bench; the Triton fast path's GPU checks are in test_lsa_triton.py. Skipped without CUDA."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the `local` extra (torch) is not installed")

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]


@torch.no_grad()
def test_cuda_matches_cpu_in_fp32_and_runs_in_bf16():
    from longcat_evals.model_adapter.reference.loading import build_tiny

    model = build_tiny(seed=0, vocab_size=1024)
    tokens = torch.randint(3, 1024, (1, 300), generator=torch.Generator().manual_seed(0))
    cpu = model(tokens).logits
    gpu_model = model.to("cuda")
    gpu = gpu_model(tokens.cuda()).logits.cpu()
    assert (cpu - gpu).abs().max().item() <= 1e-3  # TF32 and kernel order differ from the CPU
    bf16 = gpu_model.to(torch.bfloat16)
    out = bf16.generate(tokens[:, :64].cuda(), max_new_tokens=8, eos_token_id=-1)
    assert out.shape == (1, 72)


def test_bench_gpu_attention_runs_at_small_lengths(capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "lsa_attention.py"
    spec = importlib.util.spec_from_file_location("lsa_attention", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.gpu_attention([4096], repeats=1, chunk=64)
    assert "4096" in capsys.readouterr().out
