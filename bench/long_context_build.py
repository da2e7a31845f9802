"""Build time of a 1M-token long-context sample against one plain encode of the same text.

Baseline, measured in the same run: `Tokenizer.encode(prompt)` of the finished prompt (what any
harness that sizes by encoding must pay at least once). Measured for each family at the given
length, each in a FRESH child process (cold: no cached haystack counts) and repeated:
  build   the family's sample builder end to end (haystack units counted, assembled, verified
          by one encode, depths measured)
  encode  one plain encode of the very prompt that build produced
Reports the medians, their ratio (target: niah <= 1.5x) and each child's peak RSS (both
children fork from the same parent, so the difference is the builder's own memory).

    .venv/bin/python bench/long_context_build.py [--length 1m] [--repeats 3] [--families niah,...]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import statistics
import time

TARGET_RATIO = 1.5


def _build(family: str, length: int):
    from longcat_evals.evals.long_context.config import grid_config
    from longcat_evals.evals.long_context.tokenizer import load_tokenizer

    tok = load_tokenizer()
    answer = 512 if family == "mrcr" else 128
    cfg = grid_config(str(length), None, 1, answer, False)
    if family == "niah":
        from longcat_evals.evals.long_context.niah import niah_samples

        return tok, niah_samples(tok, cfg, [length], [0.5])[0]
    if family.startswith("ruler:"):
        from longcat_evals.evals.long_context.ruler import ruler_samples

        return tok, ruler_samples(tok, cfg, [length], [family.split(":")[1]])[0]
    if family == "mrcr":
        from longcat_evals.evals.long_context.mrcr import mrcr_samples

        return tok, mrcr_samples(tok, cfg, [length], [8])[0]
    from longcat_evals.evals.long_context.repo import repo_samples

    return tok, repo_samples(tok, cfg, [length], [family.split(":")[1]])[0]


def _child_build(family: str, length: int, queue) -> None:
    from longcat_evals.evals.long_context.tokenizer import load_tokenizer

    load_tokenizer()  # loading the tokenizer file is not part of building
    started = time.perf_counter()
    tok, sample = _build(family, length)
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((seconds, rss, sample.input, sample.metadata["prompt_tokens"]))


def _child_encode(text: str, queue) -> None:
    from longcat_evals.evals.long_context.tokenizer import load_tokenizer

    tok = load_tokenizer()
    started = time.perf_counter()
    n = len(tok.encode(text).ids)
    seconds = time.perf_counter() - started
    queue.put((seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, None, n))


def _run(target, *args):
    queue = mp.get_context("fork").Queue()
    process = mp.get_context("fork").Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> None:
    from longcat_evals.evals.long_context.config import parse_length

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", default="1m")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--families",
        default="niah,ruler:niah_multikey_2,ruler:cwe,mrcr,repo:function",
        help="niah, ruler:<family>, mrcr, repo:<function|trace>",
    )
    args = parser.parse_args()
    length = parse_length(args.length)
    print(f"length {length} tokens, {args.repeats} repeats, fresh process per measurement")
    columns = ("build s", "encode s", "ratio", "build RSS", "enc RSS")
    print(f"{'family':24} " + " ".join(f"{c:>9}" for c in columns))
    verdicts = []
    for family in args.families.split(","):
        builds, encodes, build_rss, enc_rss = [], [], [], []
        for _ in range(args.repeats):
            seconds, rss, text, tokens = _run(_child_build, family, length)
            builds.append(seconds)
            build_rss.append(rss)
            seconds, rss, _, n = _run(_child_encode, text)
            assert n == tokens, f"verified count {tokens} != plain encode {n}"
            encodes.append(seconds)
            enc_rss.append(rss)
        build, encode = statistics.median(builds), statistics.median(encodes)
        ratio = build / encode
        print(
            f"{family:24} {build:8.2f} {encode:9.2f} {ratio:6.2f} "
            f"{max(build_rss):8.0f}MB {max(enc_rss):6.0f}MB   ({tokens} tokens)"
        )
        if family == "niah":
            verdicts.append(ratio <= TARGET_RATIO)
    if verdicts:
        status = "met" if all(verdicts) else "NOT met"
        print(f"target niah build <= {TARGET_RATIO}x one plain encode: {status}")


if __name__ == "__main__":
    main()
