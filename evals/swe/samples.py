"""SWE instances as Inspect samples, each image made only when Inspect runs its sample.

The sample id is the instance id, so `--sample-id`, `--limit` and `--sample-shuffle` choose
instances. A local instance's image is built (once per recipe hash) when its sample is prepared;
an official instance's image is pulled by Inspect. An instance that could not be loaded, or whose
image fails to build, errors only its own sample at its first step (`require_sandbox`), with the
one-line message naming the instance and field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from inspect_ai.dataset import Sample

from longcat_evals.errors import UserFacingError
from longcat_evals.evals.swe.environment import ensure_local_image
from longcat_evals.evals.swe.grading import GradingOptions, swe_sandbox
from longcat_evals.evals.swe.schema import Loaded, LoadFailure, SweInstance
from longcat_evals.sandboxes import engine, images
from longcat_evals.sandboxes.compose import SandboxLimits, docker_sandbox
from longcat_evals.sandboxes.k8s import SandboxTarget
from longcat_evals.sandboxes.lazy_dataset import LazyDataset, unprepared
from longcat_evals.sandboxes.prebuild import BUILD_ERROR_KEY

PROMPT = """You are working in a git repository at {workdir} ({repo}, language: {language}).
Resolve the following issue by editing the repository's source files. Do not modify or add tests:
the hidden tests that grade your change will replace the test files. When you are done, stop;
your changes are taken from the working tree (`git diff` against the current commit).

<issue>
{problem_statement}
</issue>
"""


def swe_dataset(
    name: str,
    loaded: Sequence[Loaded],
    limits: SandboxLimits,
    grading: GradingOptions | None = None,
    log=print,
    target: SandboxTarget | None = None,
) -> LazyDataset:
    """LOADED as a dataset whose samples are prepared (images built) only when they run.

    GRADING: the task's grading options; each sample's sandbox holds its grader (built with the
    sample), so they are the samples', not the scorer's. TARGET: where the samples run (the
    local Docker engine by default).
    """

    def prepare(item: Loaded) -> Sample:
        return to_sample(with_image(item, log), limits, grading, target=target)

    return LazyDataset(
        loaded, _key, _preview, prepare, name=name, log=log,
        before_first=lambda: engine.ensure_engine(log=log),
    )  # fmt: skip


def _key(item: Loaded) -> str:
    return item.instance_id


def _preview(item: Loaded) -> Sample:
    if isinstance(item, LoadFailure):
        return unprepared(item.instance_id, _failed_input(item), {})
    return unprepared(item.instance_id, PROMPT.format(**item.model_dump()), _metadata(item))


def with_image(item: Loaded, log=print) -> Loaded:
    """ITEM with its local image built; an instance whose build fails becomes a LoadFailure."""
    if isinstance(item, SweInstance) and item.environment is not None:
        try:
            return item.model_copy(update={"image": ensure_local_image(item, log=log)})
        except UserFacingError as e:  # bad recipe, missing repo, failed docker build
            return LoadFailure(item.instance_id, str(e))
    return item


def build_images(loaded: Sequence[Loaded], log=print) -> list[Loaded]:
    """Every item `with_image` now (for grading outside Inspect: validation, benchmarks)."""
    return [with_image(item, log) for item in loaded]


def to_sample(
    item: Loaded,
    limits: SandboxLimits,
    grading: GradingOptions | None = None,
    fallback_image: Callable[[], str] = images.ensure_base,
    target: SandboxTarget | None = None,
) -> Sample:
    """ITEM's runnable sample. Its metadata carries the whole instance and its grading policy
    (scorer and oracle read them there) and the rendered compose document of its sandbox
    (`grading.swe_sandbox`: the agent's container and the grader)."""
    if isinstance(item, LoadFailure):
        return Sample(
            id=item.instance_id,
            input=_failed_input(item),
            metadata={BUILD_ERROR_KEY: item.message},
            sandbox=docker_sandbox(fallback_image(), limits=limits),  # a harmless stand-in
        )
    policy = (grading or GradingOptions()).policy(item)
    sandbox = swe_sandbox(item, limits, policy)
    metadata = {
        **_metadata(item),
        "grading": policy.as_metadata(),
        # The log's sandbox entry is only the file's path (Inspect's inline ComposeConfig
        # refuses our cgroup_parent and labels): the log carries the document too.
        "sandbox_compose": Path(sandbox.config).read_text(),
    }
    return Sample(
        id=item.instance_id,
        input=PROMPT.format(**item.model_dump()),
        metadata=metadata,
        sandbox=(target or SandboxTarget()).spec(sandbox),
    )


def _metadata(instance: SweInstance) -> dict:
    return {"instance": instance.model_dump(mode="json")}


def _failed_input(failure: LoadFailure) -> str:
    return f"(instance {failure.instance_id} could not be loaded)"
