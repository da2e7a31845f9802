"""The LSA Triton fast path equals the torch reference within the tolerances `lsa_triton` states.

The kernels run on CUDA when there is a GPU, else in Triton's CPU interpreter (tests/conftest.py
sets TRITON_INTERPRET=1 before triton is imported): the same kernel code either way.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the `local` extra (torch) is not installed")

from longcat_evals.model_adapter.reference import lsa_triton  # noqa: E402
from longcat_evals.model_adapter.reference.configuration import tiny_config  # noqa: E402
from longcat_evals.model_adapter.reference.loading import build_tiny  # noqa: E402
from longcat_evals.model_adapter.reference.modeling import (  # noqa: E402
    MLA,
    AttentionCache,
    Indexer,
    TopK,
    si_causal_mask,
)

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


def _kernels_runnable() -> str | None:
    if lsa_triton.triton is None:
        return "triton is not installed"
    from triton import knobs

    if DEVICE == "cpu" and not knobs.runtime.interpret:
        return "no CUDA and TRITON_INTERPRET is off: the kernels cannot run"
    return None


needs_kernels = pytest.mark.skipif(_kernels_runnable() is not None, reason=str(_kernels_runnable()))


def _masked_reference_scores(q, w, k, q_pos, n_init, n_local):
    """What `Indexer.select` sorts on the torch path."""
    return si_causal_mask(Indexer.scores(q, w, k), q_pos, n_init, n_local)


def test_topk_first_is_the_stable_sorts_first_k_with_ties_and_infinities():
    g = torch.Generator().manual_seed(0)
    scores = torch.randn(3, 5, 300, generator=g)
    scores[scores < 0.3] = 0.0  # many exact ties, as ReLU zeros give
    scores[..., 7::11] = -0.0
    scores[..., :4] = float("inf")  # sinks
    scores[..., 250:] = float("-inf")  # future keys
    scores[0, 0, 100:] = float("-inf")  # a query with fewer causal keys than k
    for k in (1, 64, 300):
        indices, valid = lsa_triton.topk_first(scores, k)
        values, expected = scores.sort(dim=-1, descending=True, stable=True)
        assert torch.equal(indices, expected[..., :k])
        assert torch.equal(valid, values[..., :k] > float("-inf"))


@needs_kernels
@pytest.mark.parametrize("head_dim", [32, 24, 128])  # 24: padded to a power of two, masked
@pytest.mark.parametrize("queries_at", ["end", "start"])  # start: key tiles wholly in the future
def test_index_scores_kernel_equals_the_torch_scores(head_dim, queries_at):
    g = torch.Generator().manual_seed(head_dim)
    B, C, H, T = 2, 37, 8, 150  # C and T not multiples of the kernel's blocks
    q = torch.randn(B, C, H, head_dim, generator=g)
    w = torch.randn(B, C, H, generator=g)
    k = torch.randn(B, T, head_dim, generator=g)
    q_pos = torch.arange(T - C, T) if queries_at == "end" else torch.arange(C)
    args = [t.to(DEVICE) for t in (q, w, k, q_pos)] + [4, 16]
    fast = lsa_triton.index_scores(*args).cpu()
    ref = _masked_reference_scores(q, w, k, q_pos, 4, 16)
    assert torch.equal(fast.isinf() & (fast > 0), ref.isinf() & (ref > 0))  # SI forced keys
    assert torch.equal(fast.isinf() & (fast < 0), ref.isinf() & (ref < 0))  # future keys
    finite = ref.isfinite()
    assert (fast[finite] - ref[finite]).abs().max().item() <= 1e-5 * ref[finite].abs().max()


@needs_kernels
@pytest.mark.parametrize(("rank", "rope", "heads"), [(32, 8, 4), (512, 64, 20)])
def test_sparse_mla_kernel_equals_the_torch_sparse_attention(rank, rope, heads):
    """Tiny dims (padded to tl.dot's 16) and LongCat-2.0's 512 + 64 with a partial head block."""
    g = torch.Generator().manual_seed(rank)
    B, C, T, K = 2, 5, 90, 48
    q_abs = torch.randn(B, C, heads, rank, generator=g)
    q_rope = torch.randn(B, C, heads, rope, generator=g)
    latent = torch.randn(B, T, rank, generator=g)
    k_rope = torch.randn(B, T, rope, generator=g)
    indices = torch.stack([torch.randperm(T, generator=g)[:K] for _ in range(B * C)]).view(B, C, K)
    valid = torch.rand(B, C, K, generator=g) > 0.3
    valid[..., 0] = True  # a query always has a key (itself) on the model's path
    scale = (rank + rope) ** -0.5
    tensors = [t.to(DEVICE) for t in (q_abs, q_rope, latent, k_rope, indices, valid)]
    fast = lsa_triton.sparse_mla(*tensors, scale).cpu()

    config = tiny_config(kv_lora_rank=rank, qk_rope_head_dim=rope, num_attention_heads=heads)
    attn = MLA(config, owns_indexer=False)
    attn.scale = scale
    cache = AttentionCache()
    cache.latent, cache.k_rope = latent, k_rope
    ref = attn._sparse(q_abs, q_rope, cache, TopK(indices, valid))
    assert (fast - ref).abs().max().item() <= 1e-5


@needs_kernels
def test_16_bit_kernels_stay_within_half_precision_rounding():
    """The 16-bit path (tensor-core dots on 16-bit inputs, probabilities cast down, output cast
    back) in fp16. Not bf16: with triton 3.9 the CPU interpreter returns garbage for bf16
    tensors (fp16 is right), so bf16 is checked only on a GPU (test below)."""
    g = torch.Generator().manual_seed(3)
    B, C, H, T, K = 1, 6, 20, 90, 48
    q_abs, q_rope = torch.randn(B, C, H, 512, generator=g), torch.randn(B, C, H, 64, generator=g)
    latent, k_rope = torch.randn(B, T, 512, generator=g), torch.randn(B, T, 64, generator=g)
    indices = torch.stack([torch.randperm(T, generator=g)[:K] for _ in range(B * C)]).view(B, C, K)
    valid = torch.ones(B, C, K, dtype=torch.bool)
    half = [t.to(DEVICE, torch.float16) for t in (q_abs, q_rope, latent, k_rope)]
    index_args = [indices.to(DEVICE), valid.to(DEVICE), 576**-0.5]
    fp32 = lsa_triton.sparse_mla(*[t.float() for t in half], *index_args)
    fp16 = lsa_triton.sparse_mla(*half, *index_args)
    assert fp16.dtype == torch.float16
    assert ((fp16.float() - fp32).abs().max() / fp32.abs().max()).item() <= 2e-3

    q, w = torch.randn(B, 70, 8, 128, generator=g), torch.randn(B, 70, 8, generator=g)
    k, q_pos = torch.randn(B, 200, 128, generator=g), torch.arange(130, 200)
    q, w, k, q_pos = (t.to(DEVICE) for t in (q, w, k, q_pos))
    ref = lsa_triton.index_scores(q, w, k, q_pos, 4, 16)
    fast = lsa_triton.index_scores(q.half(), w, k.half(), q_pos, 4, 16)
    finite = ref.isfinite()
    assert torch.equal(finite, fast.isfinite())
    assert ((fast - ref)[finite].abs().max() / ref[finite].abs().max()).item() <= 2e-3


@needs_kernels
@torch.no_grad()
def test_tiny_model_on_the_triton_backend_equals_the_torch_backend():
    """Past index_topk (64) tokens, so the kernels choose and attend sparsely; then cached
    decoding (one query per step) and MTP speculative decoding give the same greedy tokens."""
    model = build_tiny(seed=0, vocab_size=1024).to(DEVICE)
    tokens = torch.randint(3, 1024, (1, 130), generator=torch.Generator().manual_seed(0))
    tokens = tokens.to(DEVICE)
    ref = model(tokens).logits
    ref_out = model.generate(tokens, max_new_tokens=3, eos_token_id=-1)
    model.config.attn_backend = "triton"
    fast = model(tokens).logits
    fast_out = model.generate(tokens, max_new_tokens=3, eos_token_id=-1)
    fast_mtp = model.generate(tokens, max_new_tokens=3, eos_token_id=-1, use_mtp=True)
    assert (fast - ref).abs().max().item() <= 1e-4
    assert torch.equal(fast_out, ref_out)
    assert torch.equal(fast_mtp, ref_out)  # MTP drafts and verifies through the kernels too


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@torch.no_grad()
def test_bf16_kernels_stay_within_bf16_rounding_of_the_fp32_reference():
    g = torch.Generator().manual_seed(0)
    B, C, H, T, D = 1, 64, 32, 4096, 128
    q, w = torch.randn(B, C, H, D, generator=g), torch.randn(B, C, H, generator=g)
    k, q_pos = torch.randn(B, T, D, generator=g), torch.arange(T - C, T)
    ref = _masked_reference_scores(q, w, k, q_pos, 16, 1024)
    fast = lsa_triton.index_scores(
        q.cuda().bfloat16(), w.cuda(), k.cuda().bfloat16(), q_pos.cuda(), 16, 1024
    ).cpu()
    finite = ref.isfinite()
    assert torch.equal(finite, fast.isfinite())
    err = (fast[finite] - ref[finite]).abs().max() / ref[finite].abs().max()
    assert err.item() <= 1e-2  # bf16 inputs (8 mantissa bits): 0.29% when simulated on CPU
    indices, _ = lsa_triton.topk_first(fast, 2048)
    ref_indices, _ = lsa_triton.topk_first(ref, 2048)
    overlap = [
        len(set(a.tolist()) & set(b.tolist())) / 2048
        for a, b in zip(indices[0], ref_indices[0], strict=True)
    ]
    assert min(overlap) >= 0.99  # near-ties at the k-th place swap: >= 99.85% simulated on CPU


@pytest.mark.skipif(lsa_triton.triton is None, reason="triton is not installed")
def test_kernels_build_for_h100_at_longcat_2_dims_without_spills():
    """No GPU here: what can be checked of the GPU build is that both kernels compile for sm_90
    at the real dims in bf16 and fp32, within shared memory and with no register spills. In a
    fresh process: under TRITON_INTERPRET triton's own library is not compilable."""
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    module = "longcat_evals.model_adapter.reference.lsa_triton"
    run = subprocess.run(
        [sys.executable, "-m", module, "--build-report", "90"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    report = [json.loads(line) for line in run.stdout.splitlines()]
    assert {(r["kernel"], r["dtype"]) for r in report} == {
        (kernel, dtype)
        for kernel in ("index_scores", "sparse_mla")
        for dtype in ("bfloat16", "float32")
    }
    for row in report:
        assert row["shared_bytes"] <= row["shared_limit"], row
        assert row["spilled_bytes"] == 0, row


@pytest.mark.skipif(lsa_triton.triton is None, reason="triton is not installed")
def test_triton_backend_on_cpu_without_the_interpreter_is_a_one_line_error():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    code = (
        "from longcat_evals.model_adapter.reference.provider import LongcatLocalAPI\n"
        "try:\n"
        "    LongcatLocalAPI('tiny', device='cpu', attn_backend='triton')\n"
        "except Exception as error:\n"
        "    print(type(error).__name__, error)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.startswith("UserFacingError attn_backend='triton' on cpu")
    assert "TRITON_INTERPRET=1" in run.stdout and run.stdout.count("\n") == 1
