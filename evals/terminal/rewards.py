"""A verifier's verdict as the originals read it: Harbor reward files, Terminal-Bench 1.x parsers.

Harbor (read from harbor 0.25's `verifier/verifier.py` and `metrics/base.py`):
- `reward.json` is read when it exists; `reward.txt` only when there is no JSON.
- An empty file (size 0), a file that does not parse, a non-numeric or non-finite value (NaN,
  Infinity, 1e309), or a JSON that is not an object (a bare number fails Harbor's result model):
  Harbor raises, the trial has no reward. Here: "could not be scored" (NaN) with the reason.
- Values are not clamped (Harbor keeps them as written). JSON `true`/`false` pass Harbor's
  number check and become 1/0.
- The headline: Harbor's mean metric takes each trial's only value when the dataset's rewards
  have at most one key, else reports one mean per key. Per sample we take the `reward` key when
  present (inspect-harbor does the same), else the first key in file order (what Harbor's mean
  uses for single-key rewards), and keep every key in the score's metadata. `{}` parses in
  Harbor and counts 0.

Terminal-Bench 1.x (read from terminal-bench 0.2.18's `parsers/` and `harness/harness.py`):
- `pytest`: the output is split at the FIRST `=== short test summary info ===`; every line after
  it whose first word is a pytest status counts, a later line overriding an earlier one for the
  same test; PASSED, XFAIL and SKIPPED pass, FAILED, XPASS and ERROR fail. Resolved (1) when all
  listed tests pass (also when none are listed); no summary line is a parse error, which 1.x
  counts as unresolved (0).
- `swebench`: both markers must be present; the text between the first start marker and the
  last end marker, stripped, must be exactly `PASSED`; missing markers are a parse error (0).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

NAN = float("nan")


@dataclass
class Verdict:
    """A reward, or NaN when it could not be scored, with why."""

    value: float
    explanation: str
    details: dict = field(default_factory=dict)

    @property
    def scored(self) -> bool:
        return not math.isnan(self.value)


def _is_number(value: object) -> bool:
    # Harbor checks isinstance(value, (int, float)), which bool passes.
    return isinstance(value, int | float)


def from_json(text: str) -> tuple[float | None, dict, str]:
    """(headline reward or None, named rewards, why not / which key) from reward.json text."""
    if text == "":
        return None, {}, "reward.json is empty"
    try:
        data = json.loads(text)
    except ValueError:
        return None, {}, f"reward.json does not parse as JSON: {text.strip()[:80]!r}"
    if not isinstance(data, dict):
        return None, {}, f"reward.json is not an object of named rewards: {text.strip()[:80]!r}"
    for key, value in data.items():
        if not _is_number(value):
            return None, {}, f"reward.json: {key!r} is not a number: {value!r}"
        if isinstance(value, float) and not math.isfinite(value):
            return None, {}, f"reward.json: {key!r} is not finite: {value!r}"
    try:
        named = {key: float(value) for key, value in data.items()}
    except OverflowError:
        return None, {}, "reward.json: a reward is too large to be a float"
    if not named:
        return 0.0, {}, "reward.json is {} (no rewards; Harbor counts it 0)"
    if "reward" in named:
        return named["reward"], named, "reward"
    key = next(iter(named))
    return named[key], named, key


def from_text(text: str) -> tuple[float | None, str]:
    """(reward or None, why not) from reward.txt text, as Harbor's float(read_text())."""
    if text == "":
        return None, "reward.txt is empty"
    try:
        value = float(text)
    except ValueError:
        return None, f"reward.txt is not a number: {text.strip()[:80]!r}"
    if not math.isfinite(value):
        return None, f"reward.txt is not finite: {value!r}"
    return value, ""


def harbor(reward_txt: str | None, reward_json: str | None, exit_code: int) -> Verdict:
    """The Harbor reward from the two files' texts (None: the file does not exist)."""
    details: dict = {"test_exit_code": exit_code}
    if reward_txt is not None:
        details["reward_txt"] = reward_txt.strip()[:200]
    if reward_json is not None:
        details["reward_json"] = reward_json.strip()[:2000]
        value, named, why = from_json(reward_json)
        if value is None:
            return Verdict(NAN, why, details)
        details.update(reward_source="reward.json", rewards=named)
        if not named:
            return Verdict(value, why, details)
        shadowed = " (reward.txt also present; reward.json takes precedence)" if reward_txt else ""
        several = len(named) > 1 and why != "reward"
        key_note = f" (first of {len(named)} keys; no 'reward' key)" if several else ""
        return Verdict(value, f"reward.json {why} = {value:g}{key_note}{shadowed}", details)
    if reward_txt is not None:
        value, why = from_text(reward_txt)
        if value is None:
            return Verdict(NAN, why, details)
        details["reward_source"] = "reward.txt"
        return Verdict(value, f"reward.txt = {value:g}", details)
    return Verdict(
        NAN,
        f"No reward file at /logs/verifier/reward.json or reward.txt; test script exit code "
        f"{exit_code}",
        details,
    )


_SUMMARY = re.compile(r"=+\s*short test summary info\s*=+", re.IGNORECASE)
_PYTEST_STATUSES = {"UNKNOWN", "PASSED", "FAILED", "SKIPPED", "XFAIL", "XPASS", "ERROR"}
_PYTEST_PASSING = {"PASSED", "XFAIL", "SKIPPED"}


def _pytest_line(line: str) -> tuple[str, str] | None:
    """(test name, status) of one summary line as 1.x's PytestParser reads it, else None."""
    if line.startswith("FAILED"):
        parts = line.split(" - ")
        if len(parts) > 1:
            line = " - ".join(parts[:-1])
    parts = line.split(maxsplit=1)
    if len(parts) <= 1:
        return None
    status = parts[0].strip().strip(":")
    if status not in _PYTEST_STATUSES or status == "UNKNOWN":
        return None
    name = parts[1].strip().split("::", maxsplit=1)[-1]
    return (name, status) if name else None


def pytest_report(output: str, exit_code: int) -> Verdict:
    """Terminal-Bench 1.x `pytest` parser: 1 when every test listed after the summary passes."""
    parts = _SUMMARY.split(output, maxsplit=1)
    details: dict = {"test_exit_code": exit_code, "parser": "pytest"}
    if len(parts) < 2:
        details["failure_mode"] = "parse_error"
        return Verdict(
            0.0,
            f"no pytest short test summary in the output (Terminal-Bench 1.x: parse error, "
            f"unresolved); exit code {exit_code}",
            details,
        )
    results: dict[str, str] = {}
    for line in parts[1].splitlines():
        found = _pytest_line(line)
        if found:
            results[found[0]] = found[1]
    details["tests"] = results
    failed = sorted(name for name, status in results.items() if status not in _PYTEST_PASSING)
    if failed:
        return Verdict(0.0, f"{len(failed)}/{len(results)} tests failed: {', '.join(failed[:5])}",
                       details)  # fmt: skip
    if not results:
        return Verdict(1.0, "the summary lists no tests (Terminal-Bench 1.x counts that resolved)",
                       details)  # fmt: skip
    return Verdict(1.0, f"all {len(results)} tests passed", details)


SWEBENCH_START = "SWEBench results starts here"
SWEBENCH_END = "SWEBench results ends here"


def swebench_report(output: str, exit_code: int) -> Verdict:
    """Terminal-Bench 1.x `swebench` parser: PASSED between the markers, else 0."""
    details: dict = {"test_exit_code": exit_code, "parser": "swebench"}
    if SWEBENCH_START not in output or SWEBENCH_END not in output:
        details["failure_mode"] = "parse_error"
        return Verdict(
            0.0,
            f"no SWEBench result markers in the output (Terminal-Bench 1.x: parse error, "
            f"unresolved); exit code {exit_code}",
            details,
        )
    block = output.split(SWEBENCH_START, 1)[-1].rsplit(SWEBENCH_END, 1)[0].strip()
    details["tests"] = {"tests": "PASSED" if block == "PASSED" else "FAILED"}
    if block == "PASSED":
        return Verdict(1.0, "SWEBench result: PASSED", details)
    return Verdict(0.0, f"SWEBench result: {block[-200:]!r}", details)


PARSERS = {"pytest": pytest_report, "swebench": swebench_report}
