"""Read a verifier's verdict: Harbor reward files, or a Terminal-Bench 1.x pytest report.

Harbor precedence (as Harbor itself reads them): `/logs/verifier/reward.txt` (one float) wins;
`reward.json` is read only when there is no reward.txt. When both exist the JSON is kept in the
score's metadata and the explanation says reward.txt was used. reward.json holds named rewards:
its `reward` key when present, else the mean of its numeric values. Neither file, an empty or
unparsable one: the sample could not be scored (NaN), never a silent 0. Rewards clamp to [0, 1].
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

NAN = float("nan")
_PYTEST_LINE = re.compile(r"^(PASSED|FAILED|ERROR|XFAIL|XPASS|SKIPPED)\s+(\S+)", re.MULTILINE)
_PASSING = {"PASSED", "XFAIL"}


@dataclass
class Verdict:
    """A reward in [0, 1], or NaN when it could not be scored, with why."""

    value: float
    explanation: str
    details: dict = field(default_factory=dict)

    @property
    def scored(self) -> bool:
        return not math.isnan(self.value)


def clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def _number(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return None if math.isnan(value) or math.isinf(value) else value


def from_json(text: str) -> tuple[float | None, dict]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None, {}
    if isinstance(data, int | float) and not isinstance(data, bool):
        return float(data), {"reward": data}
    if not isinstance(data, dict):
        return None, {}
    named = {
        k: float(v)
        for k, v in data.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }
    if "reward" in named:
        return named["reward"], named
    return (sum(named.values()) / len(named) if named else None), named


def harbor(reward_txt: str | None, reward_json: str | None, exit_code: int) -> Verdict:
    """The Harbor reward from the two files' texts (None: the file does not exist)."""
    details: dict = {"test_exit_code": exit_code}
    if reward_json is not None:
        details["reward_json"] = reward_json.strip()[:2000]
    if reward_txt is not None:
        value = _number(reward_txt)
        if value is None:
            return Verdict(NAN, f"reward.txt is not a number: {reward_txt.strip()[:80]!r}", details)
        both = " (reward.json also present; reward.txt takes precedence)" if reward_json else ""
        details["reward_source"] = "reward.txt"
        return Verdict(clamp(value), f"reward.txt = {value:g}{both}", details)
    if reward_json is not None:
        value, named = from_json(reward_json)
        if value is None:
            return Verdict(NAN, "reward.json has no numeric reward", details)
        details.update(reward_source="reward.json", rewards=named)
        return Verdict(clamp(value), f"reward.json = {value:g}", details)
    return Verdict(
        NAN,
        f"No reward file at /logs/verifier/reward.txt or reward.json; test script exit code "
        f"{exit_code}",
        details,
    )


def pytest_report(output: str, exit_code: int) -> Verdict:
    """1.x: 1 when the `-rA` summary lists tests and all passed, 0 when any failed."""
    results: dict[str, str] = {}
    summary = output.rfind("short test summary info")
    for status, name in _PYTEST_LINE.findall(output[summary:] if summary >= 0 else ""):
        results[name] = status
    details = {"test_exit_code": exit_code, "tests": results}
    counted = {k: v for k, v in results.items() if v != "SKIPPED"}
    if not counted:
        return Verdict(
            NAN, f"No pytest results in the test output (run with -rA?); exit code {exit_code}",
            details,
        )  # fmt: skip
    failed = sorted(k for k, v in counted.items() if v not in _PASSING)
    if failed:
        return Verdict(0.0, f"{len(failed)}/{len(counted)} tests failed: {', '.join(failed[:5])}",
                       details)  # fmt: skip
    return Verdict(1.0, f"all {len(counted)} tests passed", details)
