"""A dataset whose samples' environments are prepared lazily, for just the samples Inspect runs.

Inspect reads a task's whole dataset for sample ids and "has a sandbox", then applies `--limit`,
`--sample-id` (a slice or a filter) and `--sample-shuffle` (a shuffle of the whole), and runs
only the slice. So the whole dataset yields previews (id, input, metadata; a sandbox type and
no image, and a set-up error should a preview ever be run), while a slice or filter (what
Inspect runs) prepares its samples, in parallel, the first time it is read, and keeps them:
`--limit 1` builds (or pulls) one image. A family gives three functions of its items: `key`
(unique, stable), `preview` (cheap: no image work; `unprepared(...)` makes one) and `prepare`
(the runnable sample; a failure it can attribute to the sample is recorded by `prebuild`).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from inspect_ai.dataset import Dataset, Sample
from inspect_ai.util import SandboxEnvironmentSpec

from longcat_evals.sandboxes.prebuild import BUILD_ERROR_KEY

Item = TypeVar("Item")

NOT_PREPARED = (
    "sample '{id}': read before its environment was prepared (an Inspect code path that runs "
    "unsliced datasets); nothing was run, so it cannot be scored"
)


def unprepared(sample_id: str, input: str, metadata: dict[str, Any]) -> Sample:
    """A preview: the sample's id, input and metadata, and an error should it ever be run.

    Its sandbox names only the type: Inspect asks the whole dataset whether samples have one,
    and writing a compose file would already ask the engine (cgroup driver, networks).
    """
    return Sample(
        id=sample_id,
        input=input,
        metadata={**metadata, BUILD_ERROR_KEY: NOT_PREPARED.format(id=sample_id)},
        sandbox=SandboxEnvironmentSpec("docker"),
    )


def stop_builds() -> list[int]:
    """Kill the `docker build` (and debootstrap) processes this process started; their pids."""
    import psutil

    killed = []
    for child in psutil.Process().children(recursive=True):
        try:
            command = child.cmdline()
        except psutil.Error:
            continue
        if command[:2] == ["docker", "build"] or (command and "debootstrap" in command[0]):
            try:
                child.kill()
                killed.append(child.pid)
            except psutil.Error:
                pass
    return killed


@dataclass
class _Shared(Generic[Item]):
    """What a dataset and its slices share: the functions, and the samples prepared so far."""

    key: Callable[[Item], str]
    preview: Callable[[Item], Sample]
    prepare: Callable[[Item], Sample]
    workers: int
    log: Callable[[str], None]
    before_first: Callable[[], Any] | None
    prepared: dict[str, Sample] = field(default_factory=dict)
    started: bool = False


class LazyDataset(Dataset, Generic[Item]):
    """ITEMS as samples: previews when read whole, prepared when sliced or filtered (see above).

    Args:
        items: The family's items (tasks, instances, load errors), one sample each.
        key: An item's unique, stable key (its sample id, or a marked one for a load error).
        preview: An item's preview sample (cheap; see `unprepared`).
        prepare: An item's runnable sample (builds or pulls its image); run in WORKERS threads.
        name: The dataset's name.
        workers: Items prepared in parallel.
        log: Where "preparing N ..." and interrupted builds are said.
        before_first: Called once before the first item is prepared (e.g. start the engine), so
            constructing a task does no engine work.
    """

    def __init__(
        self,
        items: Sequence[Item],
        key: Callable[[Item], str],
        preview: Callable[[Item], Sample],
        prepare: Callable[[Item], Sample],
        name: str,
        workers: int = 1,
        log: Callable[[str], None] = print,
        before_first: Callable[[], Any] | None = None,
    ) -> None:
        shared = _Shared(key, preview, prepare, max(1, workers), log, before_first)
        self._init(list(items), name, shared, view=False)

    def _init(self, items: list[Item], name: str, shared: _Shared, view: bool) -> None:
        self._items, self._name, self._shared, self._view = items, name, shared, view
        self._shuffled = False

    def _child(self, items: list[Item], name: str | None = None) -> LazyDataset[Item]:
        child = LazyDataset.__new__(LazyDataset)
        child._init(items, name or self._name, self._shared, view=True)
        child._shuffled = self._shuffled
        return child

    @property
    def name(self) -> str | None:
        return self._name

    @property
    def location(self) -> str | None:
        return None

    @property
    def shuffled(self) -> bool:
        return self._shuffled

    def _preview(self, item: Item) -> Sample:
        return self._shared.prepared.get(self._shared.key(item)) or self._shared.preview(item)

    def _ready(self, items: list[Item]) -> list[Sample]:
        """Prepared samples of ITEMS (in parallel, once; an interrupt stops the image builds)."""
        shared = self._shared
        todo = [i for i in items if shared.key(i) not in shared.prepared]
        if todo:
            if not shared.started and shared.before_first:
                shared.before_first()
            shared.started = True
            shared.log(f"preparing {len(todo)} sample environment(s) (images made only if missing)")
            pool = ThreadPoolExecutor(max_workers=shared.workers)
            try:
                for item, sample in zip(todo, pool.map(shared.prepare, todo), strict=True):
                    shared.prepared[shared.key(item)] = sample
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                stopped = stop_builds()
                if stopped:
                    shared.log(f"interrupted: stopped {len(stopped)} image build(s)")
                raise
            pool.shutdown()
        return [shared.prepared[shared.key(i)] for i in items]

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return self._child(self._items[index])
        item = self._items[index]
        return self._ready([item])[0] if self._view else self._preview(item)

    def __iter__(self) -> Iterator[Sample]:
        if self._view:
            return iter(self._ready(self._items))
        return iter([self._preview(item) for item in self._items])

    def __len__(self) -> int:
        return len(self._items)

    def sort(self, reverse: bool = False, key=None) -> None:
        key = key or (lambda sample: len(str(sample.input)))
        self._items.sort(key=lambda item: key(self._preview(item)), reverse=reverse)

    def filter(self, predicate, name: str | None = None) -> LazyDataset[Item]:
        return self._child([i for i in self._items if predicate(self._preview(i))], name)

    def shuffle(self, seed: int | None = None) -> None:
        random.Random(seed).shuffle(self._items)
        self._shuffled = True

    def shuffle_choices(self, seed: int | None = None) -> None:
        return None  # these samples have no choices
