"""Load instances from each source.

A row that cannot become an instance does not stop the run: it becomes a `LoadFailure` (one line
naming the instance and field), and in an Inspect task a sample that errors at its first step
(`require_sandbox`) with that line.
"""

from __future__ import annotations

import json
from pathlib import Path

from longcat_evals.evals.swe.adapters import (
    from_local_row,
    from_pro_row,
    from_swebench_row,
    read_jsonl,
)
from longcat_evals.evals.swe.schema import InstanceError, Loaded, LoadFailure
from longcat_evals.tasks.swe import BUILTIN_INSTANCES

# Pinned by the user (-T revision=...): these machines cannot reach the hub to check a commit.
HF_DATASETS = {
    "verified": ("SWE-bench/SWE-bench_Verified", "test"),
    "multilingual": ("SWE-bench/SWE-bench_Multilingual", "test"),
    "pro": ("ScaleAI/SWE-bench_Pro", "test"),
}


def _row_id(row: dict | InstanceError, where: str) -> str:
    """The row's instance id, else its place (`export.jsonl:3`) as the failing sample's id."""
    if isinstance(row, dict) and isinstance(row.get("instance_id"), str) and row["instance_id"]:
        return row["instance_id"]
    return where.rsplit("/", 1)[-1].replace(" ", "-")


def load_local(path: str | Path = BUILTIN_INSTANCES) -> list[Loaded]:
    """Instances of a local JSONL dataset (images are built when their samples run)."""
    path = Path(path)
    loaded: list[Loaded] = []
    for lineno, row in read_jsonl(path):
        iid = _row_id(row, f"{path.name}:{lineno}")
        if isinstance(row, InstanceError):
            loaded.append(LoadFailure(iid, str(row)))
            continue
        try:
            loaded.append(from_local_row(row, path.parent, f"{path.name}:{lineno}"))
        except InstanceError as e:
            loaded.append(LoadFailure(iid, str(e)))
    if not loaded:
        raise InstanceError(f"{path}: the dataset has no rows")
    return loaded


Rows = list[tuple[str, "dict | InstanceError"]]
"""(where: `file:line` or `<dataset> row <i>`, the row or the one-line error of a bad row)."""


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


def _official_rows(kind: str, dataset: str | None, revision: str | None, split: str | None) -> Rows:
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


def load_official(
    kind: str,
    *,
    dataset: str | None = None,
    revision: str | None = None,
    split: str | None = None,
    pro_checkout: str | None = None,
) -> list[Loaded]:
    """Instances of SWE-bench Verified/Multilingual/Pro (images are prebuilt, pulled by Inspect).

    A bad row (not JSON, missing field, ...) becomes a LoadFailure naming its file and line (or
    row), so it errors only its own sample.
    """
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
    loaded: list[Loaded] = []
    for where, row in _official_rows(kind, dataset, revision, split):
        iid = _row_id(row, where)
        if isinstance(row, InstanceError):
            loaded.append(LoadFailure(iid, str(row)))
            continue
        try:
            if kind == "pro":
                loaded.append(from_pro_row(row, checkout, where))
            else:
                loaded.append(from_swebench_row(row, where))
        except InstanceError as e:
            loaded.append(LoadFailure(iid, str(e)))
    return loaded
