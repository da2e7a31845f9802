"""The lazy dataset: previews for the whole, samples prepared only for what Inspect runs."""

from __future__ import annotations

import threading

import pytest
from inspect_ai._eval.task.util import slice_dataset
from inspect_ai.dataset import Sample

from longcat_evals.sandboxes.lazy_dataset import NOT_PREPARED, LazyDataset, unprepared
from longcat_evals.sandboxes.prebuild import BUILD_ERROR_KEY


def _dataset(n=5, workers=2, before_first=None):
    prepared: list[str] = []
    lock = threading.Lock()

    def prepare(item: str) -> Sample:
        with lock:
            prepared.append(item)
        return Sample(id=item, input="x", metadata={"ready": True})

    items = [f"t{i}" for i in range(n)]
    preview = lambda item: unprepared(item, "x", {"kind": "preview"})  # noqa: E731
    dataset = LazyDataset(items, str, preview, prepare, name="lazy", workers=workers,
                          log=lambda _: None, before_first=before_first)  # fmt: skip
    return dataset, prepared


def test_limit_and_sample_id_prepare_only_the_samples_that_run():
    started: list[bool] = []
    dataset, prepared = _dataset(before_first=lambda: started.append(True))
    ids = [sample.id for sample in dataset]  # Inspect reads the whole dataset for ids ...
    assert ids == ["t0", "t1", "t2", "t3", "t4"] and prepared == [] and started == []
    assert all(sample.sandbox for sample in dataset)  # ... and "has a sandbox"
    limited = slice_dataset(dataset, 1, None)  # --limit 1
    assert [s.metadata for s in limited] == [{"ready": True}] and prepared == ["t0"]
    list(limited), list(slice_dataset(dataset, 1, None))  # read again: prepared once
    assert prepared == ["t0"]
    picked = slice_dataset(dataset, None, ["t3", "t4*"])  # --sample-id (ids and globs)
    assert [s.id for s in picked] == ["t3", "t4"] and sorted(prepared) == ["t0", "t3", "t4"]
    assert started == [True]  # the engine (or whatever comes first) once, before the first
    # A prepared sample is what the whole dataset yields from then on.
    assert [s.metadata.get("ready", False) for s in dataset] == [True, False, False, True, True]


def test_sample_shuffle_then_limit_prepares_the_shuffled_first():
    dataset, prepared = _dataset(8)
    dataset.shuffle(seed=3)  # --sample-shuffle 3
    assert dataset.shuffled
    order = [s.id for s in dataset]
    assert sorted(order) == [f"t{i}" for i in range(8)] and order != sorted(order)
    assert [s.id for s in slice_dataset(dataset, 2, None)] == order[:2] == prepared


def test_a_preview_never_runs_as_if_prepared():
    dataset, _ = _dataset(1)
    [preview] = list(dataset)
    assert preview.metadata == {
        "kind": "preview",
        BUILD_ERROR_KEY: NOT_PREPARED.format(id="t0"),
    }
    assert preview.sandbox.type == "docker" and preview.sandbox.config is None


def test_interrupt_during_preparation_propagates():
    prepared: list[str] = []

    def interrupted(item):
        prepared.append(item)
        raise KeyboardInterrupt

    dataset = LazyDataset(["a", "b", "c"], str, lambda i: unprepared(i, "x", {}), interrupted,
                          name="lazy", workers=3, log=lambda _: None)  # fmt: skip
    with pytest.raises(KeyboardInterrupt):
        list(dataset[:])
    assert prepared  # it was preparing, and the interrupt was not swallowed
