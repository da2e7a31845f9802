"""Load instances from each source, make their images ready, and turn them into Samples.

A row that cannot become an instance, or whose image fails to build, does not stop the run:
it becomes a `LoadFailure` (one line naming the instance and field), and in an Inspect task a
sample that errors at its first step (`require_sandbox`) with that line.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from inspect_ai.dataset import MemoryDataset, Sample

from longcat_evals.errors import UserFacingError
from longcat_evals.evals.swe.adapters import (
    from_local_row,
    from_pro_row,
    from_swebench_row,
    read_jsonl,
)
from longcat_evals.evals.swe.environment import ensure_local_image
from longcat_evals.evals.swe.schema import InstanceError, SweInstance
from longcat_evals.sandboxes import images
from longcat_evals.sandboxes.compose import SandboxLimits, docker_sandbox
from longcat_evals.sandboxes.prebuild import BUILD_ERROR_KEY
from longcat_evals.tasks.swe import BUILTIN_INSTANCES

# Pinned by the user (-T revision=...): these machines cannot reach the hub to check a commit.
HF_DATASETS = {
    "verified": ("SWE-bench/SWE-bench_Verified", "test"),
    "multilingual": ("SWE-bench/SWE-bench_Multilingual", "test"),
    "pro": ("ScaleAI/SWE-bench_Pro", "test"),
}


@dataclass
class LoadFailure:
    """A row that could not be turned into a runnable instance."""

    instance_id: str
    message: str


Loaded = SweInstance | LoadFailure


def _row_id(row: dict | InstanceError, lineno: int) -> str:
    if isinstance(row, dict) and isinstance(row.get("instance_id"), str) and row["instance_id"]:
        return row["instance_id"]
    return f"line-{lineno}"


def load_local(path: str | Path = BUILTIN_INSTANCES, build: bool = True, log=print) -> list[Loaded]:
    """Instances of a local JSONL dataset, their images built (once per recipe hash) if BUILD."""
    path = Path(path)
    loaded: list[Loaded] = []
    for lineno, row in read_jsonl(path):
        iid = _row_id(row, lineno)
        if isinstance(row, InstanceError):
            loaded.append(LoadFailure(iid, str(row)))
            continue
        try:
            loaded.append(from_local_row(row, path.parent, f"{path.name}:{lineno}"))
        except InstanceError as e:
            loaded.append(LoadFailure(iid, str(e)))
    return build_images(loaded, log) if build else loaded


def build_images(loaded: Sequence[Loaded], log=print) -> list[Loaded]:
    """Build the images of local instances; an instance whose build fails becomes a LoadFailure."""
    built: list[Loaded] = []
    for item in loaded:
        if isinstance(item, SweInstance) and item.environment is not None:
            try:
                item = item.model_copy(update={"image": ensure_local_image(item, log=log)})
            except UserFacingError as e:  # bad recipe, missing repo, failed docker build
                item = LoadFailure(item.instance_id, str(e))
        built.append(item)
    return built


def _hf_rows(kind: str, dataset: str | None, revision: str | None, split: str | None) -> list[dict]:
    """Rows of an official dataset: a local file (json/jsonl/parquet) or the hub at REVISION."""
    import datasets

    name, default_split = HF_DATASETS[kind]
    split = split or default_split
    if dataset and Path(dataset).exists():
        suffix = Path(dataset).suffix
        if suffix in (".json", ".jsonl"):
            return [row for _, row in read_jsonl(Path(dataset)) if isinstance(row, dict)]
        return list(datasets.load_dataset("parquet", data_files=dataset, split="train"))
    if not revision:
        raise InstanceError(
            f"{name}: pass -T revision=<dataset commit sha> to pin the dataset (or -T dataset=<a "
            "local .jsonl/.parquet export>); an unpinned hub load can change under you"
        )
    try:
        return list(datasets.load_dataset(dataset or name, split=split, revision=revision))
    except Exception as e:  # the hub's errors are many; one line says which and what to do
        raise InstanceError(
            f"could not load {dataset or name}@{revision} ({type(e).__name__}: "
            f"{str(e).splitlines()[0][:200]}); without hub access pass -T dataset=<local export>"
        ) from e


def load_official(
    kind: str,
    *,
    dataset: str | None = None,
    revision: str | None = None,
    split: str | None = None,
    pro_checkout: str | None = None,
) -> list[Loaded]:
    """Instances of SWE-bench Verified/Multilingual/Pro (images are prebuilt, pulled by Inspect)."""
    if kind == "pro":
        if not pro_checkout:
            raise InstanceError(
                "swe_bench_pro needs -T pro_checkout=<path to a clone of "
                "https://github.com/scaleapi/SWE-bench_Pro-os> (its run_scripts/ grade Pro)"
            )
        checkout = Path(pro_checkout).expanduser()
        if not (checkout / "run_scripts").is_dir():
            raise InstanceError(
                f"SWE-bench Pro checkout {checkout} has no run_scripts/ folder; clone "
                "https://github.com/scaleapi/SWE-bench_Pro-os there"
            )
    rows = _hf_rows(kind, dataset, revision, split)
    loaded: list[Loaded] = []
    for index, row in enumerate(rows):
        iid = _row_id(row, index)
        try:
            if kind == "pro":
                loaded.append(from_pro_row(row, checkout, f"SWE-bench Pro row {index}"))
            else:
                loaded.append(from_swebench_row(row, f"SWE-bench {kind} row {index}"))
        except InstanceError as e:
            loaded.append(LoadFailure(iid, str(e)))
    return loaded


def select(
    loaded: Sequence[Loaded],
    instance_ids: str | Sequence[str] | None = None,
    limit: int | None = None,
    shuffle: bool = False,
    seed: int = 0,
) -> list[Loaded]:
    """Filter by id (comma list or sequence), shuffle (seeded), then cut to LIMIT."""
    items = list(loaded)
    if instance_ids:
        wanted = instance_ids.split(",") if isinstance(instance_ids, str) else list(instance_ids)
        wanted = [w.strip() for w in wanted if w.strip()]
        known = {item.instance_id for item in items}
        missing = [w for w in wanted if w not in known]
        if missing:
            raise InstanceError(
                f"unknown instance id(s) {', '.join(missing)} (known: {', '.join(sorted(known))})"
            )
        items = [item for item in items if item.instance_id in wanted]
    if shuffle:
        digest = hashlib.sha256(f"swe/shuffle/{seed}".encode()).digest()
        random.Random(int.from_bytes(digest[:8], "big")).shuffle(items)
    if limit is not None and limit >= 0:
        items = items[:limit]
    return items


PROMPT = """You are working in a git repository at {workdir} ({repo}, language: {language}).
Resolve the following issue by editing the repository's source files. Do not modify or add tests:
the hidden tests that grade your change will replace the test files. When you are done, stop;
your changes are taken from the working tree (`git diff` against the current commit).

<issue>
{problem_statement}
</issue>
"""


def to_samples(
    loaded: Sequence[Loaded],
    name: str,
    limits: SandboxLimits,
    fallback_image: Callable[[], str] = images.ensure_base,
) -> MemoryDataset:
    """Samples whose metadata carries the whole instance (scorer and oracle read it there)."""
    samples = []
    for item in loaded:
        if isinstance(item, LoadFailure):
            samples.append(
                Sample(
                    id=item.instance_id,
                    input=f"(instance {item.instance_id} could not be loaded)",
                    metadata={BUILD_ERROR_KEY: item.message},
                    sandbox=docker_sandbox(fallback_image(), limits=limits),
                )
            )
            continue
        samples.append(
            Sample(
                id=item.instance_id,
                input=PROMPT.format(**item.model_dump()),
                metadata={"instance": item.model_dump(mode="json")},
                sandbox=docker_sandbox(
                    item.image,
                    limits=limits,
                    working_dir=item.workdir,
                    local_image=item.environment is not None,
                ),
            )
        )
    return MemoryDataset(samples, name=name)
