"""LSA fast path (`attn_backend="triton"`): the indexer and the sparse MLA attention as Triton
kernels, with the same math as `modeling.Indexer.select` and `MLA._sparse`.

What it saves over the torch path, per chunk of C queries against T cached keys:

- `index_scores`: score[c, t] = sum_h w[c, h] * ReLU(q[c, h] . k[t]), with SI's forced sinks and
  local window (+inf) and the causal mask (-inf) applied in the same pass. The torch path builds
  the per-head [C, H, T] block first; here each head's [C, T] tile is reduced into one
  accumulator, so only [C, T] is ever written.
- `topk_first`: the first k of a stable descending sort (ties to the earlier key, which is what
  keeps KV-cached decoding equal to recomputation) with torch.topk instead of a full sort, by
  making every key unique: (order-preserving integer of the score) << 32 | (reversed position).
- `sparse_mla`: attention of each query over its own index_topk latents, reading the selected
  rows of the cache by index inside the kernel (an online softmax over blocks of them), instead
  of first gathering a [C, K, 512 + 64] copy.

Tolerances (tests/model_adapter/test_lsa_triton.py): in fp32 the kernels use IEEE fp32 dots, and
scores and outputs equal the torch path to 1e-5 and the same keys are selected (a different
choice needs two scores within fp32 rounding at the k-th place). In bf16/fp16
the dots run on the inputs' dtype with fp32 accumulation, as flash attention does, so results
differ from the torch path by ordinary bf16 rounding and a key whose score is within rounding of
the k-th best can be swapped for its neighbour.

On CPU tensors the kernels run only in Triton's interpreter (numpy, slow; TRITON_INTERPRET=1 set
before triton is imported): that is how the tests check them on machines without a GPU (fp32
and fp16; the interpreter mangles bf16). `build_report` compiles them for a GPU without one. HI
(`use_hierarchical_index`, our own design) has no kernel: with HI on, selection falls back to
the torch path.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch

try:
    import triton
    import triton.language as tl
except ImportError:  # kernels are plain functions (string annotations), compiled only on use
    triton = None


def check_usable(device: torch.device | str) -> None:
    """Raise a one-line error unless the kernels can run on `device`. Triton compiles for CUDA;
    CPU tensors run only in its interpreter, which triton fixes at import time from
    TRITON_INTERPRET (its own library functions are decorated then), not per call."""
    from longcat_evals.errors import UserFacingError  # imports inspect_ai: only when needed

    if triton is None:
        raise UserFacingError(
            "attn_backend='triton' needs the triton package: it comes with torch's CUDA wheels "
            "on Linux (`pip install triton` otherwise), or use attn_backend='torch'"
        )
    from triton import knobs

    if torch.device(device).type != "cuda" and not knobs.runtime.interpret:
        raise UserFacingError(
            f"attn_backend='triton' on {device}: the kernels need CUDA, or Triton's CPU "
            "interpreter (slow, for checking them): start Python with TRITON_INTERPRET=1"
        )


@functools.cache
def _jit(fn: Callable):
    # Compiled on first use rather than decorated at import, so this module imports (and says
    # what is missing) on machines without triton.
    return triton.jit(fn)


def _launch(fn: Callable, device: torch.device):
    check_usable(device)
    return _jit(fn)


def _dot_precision(dtype: torch.dtype) -> str:
    # fp32 inputs: exact fp32 products (the default, TF32, would drop 13 mantissa bits and make
    # the fast path disagree with the reference far beyond 1e-5). 16-bit inputs ignore it.
    return "ieee" if dtype == torch.float32 else "tf32"


# Tile sizes of `_index_scores_kernel`: [64 queries x 64 keys] per program. With 8 warps neither
# fp32 nor bf16 spills registers on sm_90 (tests/model_adapter/test_lsa_triton.py compiles the
# kernels for an H100 and reads their resource usage).
INDEX_BLOCKS = {"BLOCK_C": 64, "BLOCK_T": 64, "num_warps": 8}


def sparse_blocks(dtype: torch.dtype) -> dict:
    """Tile sizes of `_sparse_mla_kernel`: heads per program and selected keys per step. 16-bit:
    32 heads x 32 keys (LongCat-2.0's 64 heads take two programs per query); fp32 tiles are twice
    the bytes, so 16 x 16. Both compile for sm_90 without register spills at 8 warps."""
    if dtype == torch.float32:
        return {"BLOCK_H": 16, "BLOCK_N": 16, "num_warps": 8}
    return {"BLOCK_H": 32, "BLOCK_N": 32, "num_warps": 8}


def _pow2(n: int, minimum: int = 16) -> int:
    """tl.arange needs a power of two and tl.dot at least 16 along every dim: pad, mask."""
    return max(minimum, triton.next_power_of_2(n))


# ----------------------------------------------------------------------------------------------
# Indexer scores with SI and causal masks
# ----------------------------------------------------------------------------------------------


def _index_scores_kernel(
    q_ptr, w_ptr, k_ptr, qpos_ptr, out_ptr,
    C, T, H, D, n_init, n_local,
    s_qb, s_qc, s_qh, s_wb, s_wc, s_kb, s_kt, s_ob, s_oc,
    D_PAD: tl.constexpr, BLOCK_C: tl.constexpr, BLOCK_T: tl.constexpr,
    PRECISION: tl.constexpr,
):  # fmt: skip
    pid_c, pid_t, b = tl.program_id(0), tl.program_id(1), tl.program_id(2)
    offs_c = pid_c * BLOCK_C + tl.arange(0, BLOCK_C)
    offs_t = pid_t * BLOCK_T + tl.arange(0, BLOCK_T)
    offs_d = tl.arange(0, D_PAD)
    c_ok, t_ok, d_ok = offs_c < C, offs_t < T, offs_d < D
    k = tl.load(  # [D, BLOCK_T]: loaded once, used by every head
        k_ptr + b * s_kb + offs_t[None, :] * s_kt + offs_d[:, None],
        mask=d_ok[:, None] & t_ok[None, :],
        other=0.0,
    )
    acc = tl.zeros([BLOCK_C, BLOCK_T], dtype=tl.float32)
    q_pos = tl.load(qpos_ptr + offs_c, mask=c_ok, other=-1)
    if pid_t * BLOCK_T <= tl.max(q_pos):  # a tile wholly in every query's future is all -inf
        for h in range(H):
            q = tl.load(
                q_ptr + b * s_qb + offs_c[:, None] * s_qc + h * s_qh + offs_d[None, :],
                mask=c_ok[:, None] & d_ok[None, :],
                other=0.0,
            )
            w = tl.load(w_ptr + b * s_wb + offs_c * s_wc + h, mask=c_ok, other=0.0)
            s = tl.dot(q, k, input_precision=PRECISION)
            acc += tl.maximum(s, 0.0) * w[:, None]
    causal = offs_t[None, :] <= q_pos[:, None]
    forced = (offs_t[None, :] < n_init) | (offs_t[None, :] > q_pos[:, None] - n_local)
    acc = tl.where(causal & forced, float("inf"), acc)
    acc = tl.where(causal, acc, float("-inf"))
    tl.store(
        out_ptr + b * s_ob + offs_c[:, None] * s_oc + offs_t[None, :],
        acc,
        mask=c_ok[:, None] & t_ok[None, :],
    )


def index_scores(
    q: torch.Tensor,
    w: torch.Tensor,
    k: torch.Tensor,
    q_pos: torch.Tensor,
    n_init: int,
    n_local: int,
) -> torch.Tensor:
    """q [B, C, H, D], w [B, C, H], k [B, T, D], q_pos [C] -> [B, C, T] fp32 scores with the SI
    keys at +inf and future keys at -inf (what `Indexer.select` sorts)."""
    B, C, H, D = q.shape
    T = k.shape[1]
    dtype = q.dtype if q.dtype in (torch.bfloat16, torch.float16) else torch.float32
    q, k = q.to(dtype).contiguous(), k.to(dtype).contiguous()
    w = w.float().contiguous()
    q_pos = q_pos.to(torch.int64).contiguous()
    out = torch.empty(B, C, T, device=q.device, dtype=torch.float32)
    blocks = INDEX_BLOCKS
    grid = (triton.cdiv(C, blocks["BLOCK_C"]), triton.cdiv(T, blocks["BLOCK_T"]), B)
    _launch(_index_scores_kernel, q.device)[grid](
        q, w, k, q_pos, out,
        C, T, H, D, n_init, n_local,
        q.stride(0), q.stride(1), q.stride(2), w.stride(0), w.stride(1),
        k.stride(0), k.stride(1), out.stride(0), out.stride(1),
        D_PAD=_pow2(D), PRECISION=_dot_precision(dtype), **blocks,
    )  # fmt: skip
    return out


def topk_first(scores: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(indices, valid) of the first k entries of a stable descending sort along the last dim.

    Equal scores (the ReLU zeros) must go to the earlier key, as `Indexer.select`'s stable sort
    does. torch.topk does not promise that, so each score becomes a unique int64: the score's
    bits turned into an integer with the same order (negative floats have their magnitude bits
    flipped), shifted up 32, with (2^32 - 1 - position) below, so among equal scores the earlier
    position is larger. Then topk's k largest are exactly the stable sort's first k.
    """
    T = scores.shape[-1]
    scores = torch.where(scores == 0, 0.0, scores.float())  # -0.0 and 0.0 are one score
    bits = scores.contiguous().view(torch.int32).to(torch.int64)
    ordered = torch.where(bits < 0, bits ^ 0x7FFFFFFF, bits)
    position = torch.arange(T, device=scores.device, dtype=torch.int64)
    keys = (ordered << 32) | (0xFFFFFFFF - position)
    indices = keys.topk(min(k, T), dim=-1, sorted=True).indices
    return indices, scores.gather(-1, indices) > float("-inf")


# ----------------------------------------------------------------------------------------------
# Sparse MLA attention over the selected latents
# ----------------------------------------------------------------------------------------------


def _sparse_mla_kernel(
    qa_ptr, qr_ptr, lat_ptr, kr_ptr, idx_ptr, ok_ptr, out_ptr,
    H, K, R, P, scale_log2,
    s_qab, s_qac, s_qah, s_qrb, s_qrc, s_qrh, s_lb, s_lt, s_kb, s_kt, s_ib, s_ic,
    s_ob, s_oc, s_oh,
    R_PAD: tl.constexpr, P_PAD: tl.constexpr, BLOCK_H: tl.constexpr, BLOCK_N: tl.constexpr,
    PRECISION: tl.constexpr,
):  # fmt: skip
    # head blocks of one query are neighbours in launch order: they read the same cache rows,
    # so the later ones find them in L2
    pid_h, c, b = tl.program_id(0), tl.program_id(1), tl.program_id(2)
    offs_h = pid_h * BLOCK_H + tl.arange(0, BLOCK_H)
    offs_r, offs_p = tl.arange(0, R_PAD), tl.arange(0, P_PAD)
    h_ok, r_ok, p_ok = offs_h < H, offs_r < R, offs_p < P
    q_abs = tl.load(  # [BLOCK_H, R]: this query's heads, moved into latent space
        qa_ptr + b * s_qab + c * s_qac + offs_h[:, None] * s_qah + offs_r[None, :],
        mask=h_ok[:, None] & r_ok[None, :],
        other=0.0,
    )
    q_rope = tl.load(
        qr_ptr + b * s_qrb + c * s_qrc + offs_h[:, None] * s_qrh + offs_p[None, :],
        mask=h_ok[:, None] & p_ok[None, :],
        other=0.0,
    )
    m = tl.full([BLOCK_H], float("-inf"), dtype=tl.float32)  # running max (log2 units)
    denom = tl.zeros([BLOCK_H], dtype=tl.float32)  # running softmax denominator
    acc = tl.zeros([BLOCK_H, R_PAD], dtype=tl.float32)
    for start in range(0, K, BLOCK_N):
        offs_n = start + tl.arange(0, BLOCK_N)
        n_ok = offs_n < K
        idx = tl.load(idx_ptr + b * s_ib + c * s_ic + offs_n, mask=n_ok, other=0)
        ok = n_ok & (tl.load(ok_ptr + b * s_ib + c * s_ic + offs_n, mask=n_ok, other=0) != 0)
        latent = tl.load(  # [BLOCK_N, R]: the selected cache rows, read in place
            lat_ptr + b * s_lb + idx[:, None] * s_lt + offs_r[None, :],
            mask=ok[:, None] & r_ok[None, :],
            other=0.0,
        )
        k_rope = tl.load(
            kr_ptr + b * s_kb + idx[:, None] * s_kt + offs_p[None, :],
            mask=ok[:, None] & p_ok[None, :],
            other=0.0,
        )
        s = tl.dot(q_abs, tl.trans(latent), input_precision=PRECISION)
        s += tl.dot(q_rope, tl.trans(k_rope), input_precision=PRECISION)
        s = tl.where(ok[None, :], s * scale_log2, float("-inf"))
        m_new = tl.maximum(m, tl.max(s, axis=1))
        m_safe = tl.where(m_new == float("-inf"), 0.0, m_new)  # nothing valid seen yet
        alpha = tl.exp2(m - m_safe)
        p = tl.exp2(s - m_safe[:, None])
        denom = denom * alpha + tl.sum(p, axis=1)
        acc = acc * alpha[:, None] + tl.dot(p.to(latent.dtype), latent, input_precision=PRECISION)
        m = m_new
    out = acc / tl.where(denom == 0.0, 1.0, denom)[:, None]
    tl.store(
        out_ptr + b * s_ob + c * s_oc + offs_h[:, None] * s_oh + offs_r[None, :],
        out.to(out_ptr.dtype.element_ty),
        mask=h_ok[:, None] & r_ok[None, :],
    )


def sparse_mla(
    q_abs: torch.Tensor,
    q_rope: torch.Tensor,
    latent: torch.Tensor,
    k_rope: torch.Tensor,
    indices: torch.Tensor,
    valid: torch.Tensor,
    scale: float,
) -> torch.Tensor:
    """q_abs [B, C, H, r], q_rope [B, C, H, d], cache latent [B, T, r] and k_rope [B, T, d],
    indices/valid [B, C, K] -> [B, C, H, r]: softmax(scale * [q_abs|q_rope].[latent|k_rope])
    @ latent over each query's valid selected keys (MLA in latent space is MQA)."""
    B, C, H, R = q_abs.shape
    P, K = q_rope.shape[-1], indices.shape[-1]
    q_abs, q_rope = q_abs.contiguous(), q_rope.to(q_abs.dtype).contiguous()
    latent, k_rope = latent.contiguous(), k_rope.to(latent.dtype).contiguous()
    indices = indices.contiguous()
    ok = valid.to(torch.uint8).contiguous()
    out = torch.empty_like(q_abs)
    # Sized to compile without spills, not tuned by timing: no GPU was available to this work.
    blocks = sparse_blocks(latent.dtype)
    grid = (triton.cdiv(H, blocks["BLOCK_H"]), C, B)
    log2e = 1.4426950408889634  # the kernel works in exp2
    _launch(_sparse_mla_kernel, q_abs.device)[grid](
        q_abs, q_rope, latent, k_rope, indices, ok, out,
        H, K, R, P, scale * log2e,
        q_abs.stride(0), q_abs.stride(1), q_abs.stride(2),
        q_rope.stride(0), q_rope.stride(1), q_rope.stride(2),
        latent.stride(0), latent.stride(1), k_rope.stride(0), k_rope.stride(1),
        indices.stride(0), indices.stride(1), out.stride(0), out.stride(1), out.stride(2),
        R_PAD=_pow2(R), P_PAD=_pow2(P), PRECISION=_dot_precision(latent.dtype), **blocks,
    )  # fmt: skip
    return out


# ----------------------------------------------------------------------------------------------
# Build report: compile for a GPU architecture without a GPU
# ----------------------------------------------------------------------------------------------

# Shared memory one block may use, by compute capability (CUDA programming guide).
SHARED_LIMIT = {80: 163 * 1024, 86: 99 * 1024, 89: 99 * 1024, 90: 227 * 1024}


def build_report(capability: int = 90) -> list[dict]:
    """Compile both kernels at LongCat-2.0's dims (index head 128; latent 512 + rope 64) in bf16
    and fp32 with the launchers' tile sizes for `capability` (90: H100/H200), through Triton's
    whole GPU pipeline (PTX, then cubin with the ptxas it ships), and read each cubin's shared
    memory, registers and spilled bytes. Needs triton, not a GPU. Must not run under
    TRITON_INTERPRET (triton's own library functions are then not compilable)."""
    import re
    import subprocess
    import tempfile
    from pathlib import Path

    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource
    from triton.runtime.jit import JITFunction

    cuobjdump = Path(triton.__file__).parent / "backends" / "nvidia" / "bin" / "cuobjdump"
    rows = []
    for dtype in (torch.bfloat16, torch.float32):
        ty = {torch.bfloat16: "bf16", torch.float32: "fp32"}[dtype]
        precision = _dot_precision(dtype)
        kernels = {
            "index_scores": (
                _index_scores_kernel,
                {"q_ptr": ty, "w_ptr": "fp32", "k_ptr": ty, "qpos_ptr": "i64", "out_ptr": "fp32"},
                {"D_PAD": 128, "PRECISION": precision, **INDEX_BLOCKS},
            ),
            "sparse_mla": (
                _sparse_mla_kernel,
                {name: ty for name in ("qa_ptr", "qr_ptr", "lat_ptr", "kr_ptr", "out_ptr")}
                | {"idx_ptr": "i64", "ok_ptr": "u8"},
                {"R_PAD": 512, "P_PAD": 64, "PRECISION": precision, **sparse_blocks(dtype)},
            ),
        }
        for name, (kernel, pointers, constants) in kernels.items():
            constants = dict(constants)
            num_warps = constants.pop("num_warps")
            fn = JITFunction(kernel)
            signature = {arg: "i32" for arg in fn.arg_names}  # ints below 2^31, as at launch
            signature |= {arg: "*" + t for arg, t in pointers.items()}
            signature |= {arg: "constexpr" for arg in constants}
            if "scale_log2" in signature:
                signature["scale_log2"] = "fp32"
            index = {(fn.arg_names.index(arg),): value for arg, value in constants.items()}
            compiled = triton.compile(
                ASTSource(fn=fn, signature=signature, constexprs=index),
                target=GPUTarget("cuda", capability, 32),
                options={"num_warps": num_warps},
            )
            with tempfile.NamedTemporaryFile(suffix=".cubin") as cubin:
                cubin.write(compiled.asm["cubin"])
                cubin.flush()
                usage = subprocess.run(
                    [str(cuobjdump), "--dump-resource-usage", cubin.name],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
            rows.append(
                {
                    "kernel": name,
                    "dtype": str(dtype).removeprefix("torch."),
                    "sm": capability,
                    "num_warps": num_warps,
                    "registers": int(re.search(r"REG:(\d+)", usage).group(1)),
                    "spilled_bytes": int(re.search(r"STACK:(\d+)", usage).group(1)),
                    "shared_bytes": compiled.metadata.shared,
                    "shared_limit": SHARED_LIMIT.get(capability),
                }
            )
    return rows


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser(description="LSA Triton kernels: compile-only checks")
    parser.add_argument(
        "--build-report", type=int, metavar="SM", default=90, help="compute capability"
    )
    for row in build_report(parser.parse_args().build_report):
        print(json.dumps(row))
