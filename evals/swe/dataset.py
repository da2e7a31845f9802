"""The rows of each SWE source, as the official loaders read them: the first step of a dataset.

Rows go on to `adapters` (a row becomes a `SweInstance` through `schema`) and then `samples`.
A row that cannot be read (not JSON, not an object) does not stop the run: it comes back as the
one-line InstanceError naming its file and line (or row), in its place, and becomes a sample that
errors alone. A dataset that cannot be read at all, or has no rows, is one line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from longcat_evals.evals.swe.schema import InstanceError

# Pinned by the user (-T revision=...): these machines cannot reach the hub to check a commit.
HF_DATASETS = {
    "verified": ("SWE-bench/SWE-bench_Verified", "test"),
    "multilingual": ("SWE-bench/SWE-bench_Multilingual", "test"),
    "pro": ("ScaleAI/SWE-bench_Pro", "test"),
}


Rows = list[tuple[str, "dict | InstanceError"]]
"""(where: `file:line` or `<dataset> row <i>`, the row or the one-line error of a bad row)."""


def read_jsonl(path: Path) -> Iterable[tuple[int, dict | InstanceError]]:
    """(line number, row) for each non-empty line; a bad line yields an InstanceError."""
    if not path.is_file():
        raise InstanceError(f"dataset file {path} not found")
    for lineno, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            yield lineno, InstanceError(f"{path}:{lineno}: not JSON ({e.msg})")
            continue
        if not isinstance(row, dict):
            yield lineno, InstanceError(f"{path}:{lineno}: a row must be a JSON object")
            continue
        yield lineno, row


def local_rows(path: Path) -> Rows:
    """The rows of a local JSONL dataset (our schema), each named `<file name>:<line>`."""
    rows: Rows = [(f"{path.name}:{n}", row) for n, row in read_jsonl(path)]
    if not rows:
        raise InstanceError(f"{path}: the dataset has no rows")
    return rows


def _json_rows(path: Path) -> Rows:
    """A `.json` file: a JSON array of rows (what swebench's loader reads), else JSON Lines."""
    text = path.read_text()
    if not text.lstrip().startswith("["):
        return [(f"{path}:{n}", row) for n, row in read_jsonl(path)]
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as e:
        raise InstanceError(
            f"{path}:{e.lineno}: not a JSON array of rows ({e.msg} at column {e.colno})"
        ) from None
    out: Rows = []
    for index, row in enumerate(rows):
        where = f"{path} row {index}"
        if isinstance(row, dict):
            out.append((where, row))
        else:
            out.append((where, InstanceError(f"{where}: a row must be a JSON object")))
    return out


def _arrow_rows(path: Path, split: str) -> Rows | None:
    """Parquet/CSV files and `datasets` folders, as swebench's and Pro's loaders read them."""
    import datasets

    def rows(dataset) -> Rows:
        return [(f"{path} row {i}", dict(row)) for i, row in enumerate(dataset)]

    if path.is_file() and path.suffix == ".parquet":
        return rows(datasets.load_dataset("parquet", data_files=str(path), split="train"))
    if path.is_file() and path.suffix == ".csv":
        # The Pro evaluator reads its CSV with pandas and fills nulls with "".
        import pandas

        frame = pandas.read_csv(path).astype(object).fillna("")
        return [(f"{path}:{i + 2}", row) for i, row in enumerate(frame.to_dict("records"))]
    if path.is_dir():
        if (path / f"{split}.parquet").is_file():
            return _arrow_rows(path / f"{split}.parquet", split)
        for folder in (path / split, path):
            if (folder / "dataset_info.json").is_file():
                return rows(datasets.load_from_disk(str(folder)))
        if (path / "dataset_dict.json").is_file():
            saved = datasets.load_from_disk(str(path))
            if split not in saved:
                raise InstanceError(
                    f"{path}: no split '{split}' (has: {', '.join(saved)}); pass -T split=..."
                )
            return rows(saved[split])
        raise InstanceError(
            f"{path}: a folder, but neither {split}.parquet, a `datasets` save_to_disk folder "
            f"({split}/dataset_info.json, dataset_info.json or dataset_dict.json)"
        )
    return None


def official_rows(kind: str, dataset: str | None, revision: str | None, split: str | None) -> Rows:
    """Rows of an official dataset: a local export (see `_arrow_rows`, `_json_rows`) or the hub."""
    import datasets

    name, default_split = HF_DATASETS[kind]
    split = split or default_split
    if dataset and Path(dataset).expanduser().exists():
        path = Path(dataset).expanduser()
        if path.is_file() and path.suffix == ".json":
            found = _json_rows(path)
        elif path.is_file() and path.suffix == ".jsonl":
            found = [(f"{path}:{n}", row) for n, row in read_jsonl(path)]
        else:
            found = _arrow_rows(path, split)
        if found is None:
            raise InstanceError(
                f"{path}: unknown dataset format (use .json, .jsonl, .parquet, .csv or a "
                "`datasets` folder)"
            )
        if not found:
            raise InstanceError(f"{path}: the dataset has no rows")
        return found
    if not revision:
        raise InstanceError(
            f"{name}: pass -T revision=<dataset commit sha> to pin the dataset (or -T dataset=<a "
            "local .jsonl/.parquet export>); an unpinned hub load can change under you"
        )
    try:
        loaded = datasets.load_dataset(dataset or name, split=split, revision=revision)
    except Exception as e:  # the hub's errors are many; one line says which and what to do
        raise InstanceError(
            f"could not load {dataset or name}@{revision} ({type(e).__name__}: "
            f"{str(e).splitlines()[0][:200]}); without hub access pass -T dataset=<local export>"
        ) from e
    if len(loaded) == 0:
        raise InstanceError(f"{dataset or name}@{revision} split {split}: the dataset has no rows")
    return [(f"{dataset or name} row {i}", dict(row)) for i, row in enumerate(loaded)]
