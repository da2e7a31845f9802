"""Vendor claims as data (`claims/*.yaml`): loading, checking and rendering the published table."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from longcat_evals.results.logs import ResultsError

CLAIMS_DIR = Path(__file__).with_name("claims")
DEFAULT_CLAIMS = CLAIMS_DIR / "longcat-2.0.yaml"
FORMAT_VERSION = 1
SETTINGS = ("dataset", "samples", "agent", "thinking", "epochs", "limits")
UNKNOWN = "unknown"
# A suite entry writes the benchmark id it reproduces into its log's eval metadata.
BENCHMARK_KEY = "longcat_benchmark"


@dataclass(frozen=True)
class Claim:
    value: float
    external: bool = False

    def published(self) -> str:
        """As the vendor's table prints it: `70.7*` for externally reported values."""
        return f"{self.value:.1f}" + ("*" if self.external else "")


@dataclass(frozen=True)
class Benchmark:
    id: str
    name: str
    claims: dict[str, Claim | None]
    task: str | None
    match: dict
    settings: dict[str, object]
    available: str
    unit: str = "score"
    claim_note: str = ""

    def matches(self, task: str, task_args: dict) -> bool:
        """Whether a log of TASK with TASK_ARGS is a run of this benchmark."""
        if not self.match or self.match.get("task") != task:
            return False
        for key, pattern in (self.match.get("task_args") or {}).items():
            if key not in task_args or not fnmatch.fnmatch(str(task_args[key]), str(pattern)):
                return False
        return True


@dataclass(frozen=True)
class Claims:
    path: str
    claims_version: int
    subject: str
    source: dict
    models: dict[str, list[str]]
    benchmarks: list[Benchmark] = field(default_factory=list)

    def model_of(self, inspect_model: str) -> str | None:
        """The claim column of an Inspect model name, by the data file's patterns."""
        name = inspect_model.lower()
        for column, patterns in self.models.items():
            if any(fnmatch.fnmatch(name, p.lower()) for p in patterns):
                return column
        return None

    def benchmark_of(self, task: str, task_args: dict, metadata: dict | None = None):
        """The benchmark a log is a run of: named in its metadata by a suite, else by `match`."""
        named = (metadata or {}).get(BENCHMARK_KEY)
        if named:
            return next((b for b in self.benchmarks if b.id == named), None)
        return next((b for b in self.benchmarks if b.matches(task, task_args)), None)

    def vendor_markdown(self) -> str:
        """The vendor's table, rebuilt from the data: same rows, columns and marks."""
        columns = list(self.models)
        lines = [
            "| benchmark | " + " | ".join(columns) + " |",
            "|---|" + "---|" * len(columns),
        ]
        for b in self.benchmarks:
            if all(c is None for c in b.claims.values()) and b.claim_note:
                continue  # the 1M row: the vendor's table has no such row
            cells = [b.claims[c].published() if b.claims.get(c) else "–" for c in columns]
            lines.append(f"| {b.name} | " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"


def _fail(path: Path, where: str, what: str) -> ResultsError:
    return ResultsError(f"{path}: {where}: {what}")


def load_claims(path: Path | str = DEFAULT_CLAIMS) -> Claims:
    """Read and check a claims file; any problem is one ResultsError line naming the field."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as e:
        first = (str(e).strip().splitlines() or [""])[0]
        raise ResultsError(f"{path}: cannot read claims file ({first})") from None
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
        raise _fail(path, "format_version", f"expected {FORMAT_VERSION}")
    models = data.get("models")
    if not isinstance(models, dict) or not models:
        raise _fail(path, "models", "a mapping of claim column -> model name patterns")
    benchmarks = []
    for number, row in enumerate(data.get("benchmarks") or [], 1):
        where = f"benchmarks[{number}]"
        if not isinstance(row, dict) or not row.get("id") or not row.get("name"):
            raise _fail(path, where, "needs `id` and `name`")
        where = f"benchmark {row['id']}"
        claims: dict[str, Claim | None] = {}
        for column in models:
            if column not in (row.get("claims") or {}):
                raise _fail(path, where, f"no claim for model column '{column}' (null if none)")
            cell = row["claims"][column]
            if cell is None:
                claims[column] = None
            elif isinstance(cell, dict) and isinstance(cell.get("value"), int | float):
                claims[column] = Claim(float(cell["value"]), bool(cell.get("external", False)))
            else:
                raise _fail(path, f"{where} / {column}", "expected {value: N} or null")
        reproduce = row.get("reproduce") or {}
        settings = {key: reproduce.get(key, UNKNOWN) for key in SETTINGS}
        benchmarks.append(
            Benchmark(
                id=str(row["id"]),
                name=str(row["name"]),
                claims=claims,
                task=reproduce.get("task"),
                match=reproduce.get("match") or {},
                settings=settings,
                available=str(reproduce.get("available", UNKNOWN)).strip(),
                unit=str(row.get("unit", "score")),
                claim_note=str(row.get("claim_note", "")),
            )
        )
    if not benchmarks:
        raise _fail(path, "benchmarks", "no rows")
    return Claims(
        path=str(path),
        claims_version=int(data.get("claims_version", 0)),
        subject=str(data.get("subject", "")),
        source=dict(data.get("source") or {}),
        models={k: list(v) for k, v in models.items()},
        benchmarks=benchmarks,
    )
