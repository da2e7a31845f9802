"""Build time of a 1M-token long-context sample against one plain encode of the same text.

Baseline, measured in the same run: `Tokenizer.encode(prompt)` of the finished prompt (what any
harness that sizes by encoding must pay at least once). Measured for each family at the given
length, each in a FRESH child process (cold: no cached haystack counts) and repeated:
  build   the family's sample builder end to end (haystack units counted, assembled, verified
          by one encode, depths measured)
  encode  one plain encode of the very prompt that build produced
Reports the medians of wall-clock and CPU time (CPU time is steadier on a shared machine;
encode_batch threads count in it), their ratios (target: niah wall <= 1.5x) and each child's
peak RSS (both fork from the same parent, so the difference is the builder's own memory).

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
    started, cpu = time.perf_counter(), time.process_time()
    tok, sample = _build(family, length)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((seconds, cpu, rss, sample.input, sample.metadata["prompt_tokens"]))


def _child_encode(text: str, queue) -> None:
    from longcat_evals.evals.long_context.tokenizer import load_tokenizer

    tok = load_tokenizer()
    started, cpu = time.perf_counter(), time.process_time()
    n = len(tok.encode(text))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    queue.put((seconds, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, None, n))


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
    columns = (
        "build s",
        "encode s",
        "ratio",
        "build cpu",
        "enc cpu",
        "cpu ratio",
        "build RSS",
        "enc RSS",
    )
    print(f"{'family':22} " + " ".join(f"{c:>9}" for c in columns))
    verdicts = []
    for family in args.families.split(","):
        walls: dict[str, list[float]] = {"build": [], "encode": []}
        cpus: dict[str, list[float]] = {"build": [], "encode": []}
        rss: dict[str, list[float]] = {"build": [], "encode": []}
        for _ in range(args.repeats):
            seconds, cpu, peak, text, tokens = _run(_child_build, family, length)
            walls["build"].append(seconds)
            cpus["build"].append(cpu)
            rss["build"].append(peak)
            seconds, cpu, peak, _, n = _run(_child_encode, text)
            assert n == tokens, f"verified count {tokens} != plain encode {n}"
            walls["encode"].append(seconds)
            cpus["encode"].append(cpu)
            rss["encode"].append(peak)
        wall = {k: statistics.median(v) for k, v in walls.items()}
        cpu = {k: statistics.median(v) for k, v in cpus.items()}
        ratio, cpu_ratio = wall["build"] / wall["encode"], cpu["build"] / cpu["encode"]
        print(
            f"{family:22} {wall['build']:9.2f} {wall['encode']:9.2f} {ratio:9.2f} "
            f"{cpu['build']:9.2f} {cpu['encode']:9.2f} {cpu_ratio:9.2f} "
            f"{max(rss['build']):7.0f}MB {max(rss['encode']):7.0f}MB  ({tokens} tokens)"
        )
        if family == "niah":
            verdicts.append((ratio, cpu_ratio))
    if verdicts:
        ((ratio, cpu_ratio),) = verdicts
        status = "met" if ratio <= TARGET_RATIO else "NOT met"
        print(
            f"target: niah build <= {TARGET_RATIO}x one plain encode (wall {ratio:.2f}x, "
            f"cpu {cpu_ratio:.2f}x): {status}"
        )


if __name__ == "__main__":
    main()
