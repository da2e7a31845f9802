"""`longcat-evals plot long-context` on real Inspect logs: PNGs, JSON, effective length."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import matplotlib.image
from inspect_ai import eval as inspect_eval
from inspect_ai.log import list_eval_logs
from inspect_ai.model import ModelOutput
from inspect_ai.solver import solver

from longcat_evals.evals.long_context.oracle import oracle_text
from longcat_evals.evals.long_context.task import niah, ruler
from longcat_evals.results.logs import find_logs
from longcat_evals.results.long_context_plot import SUMMARY_PREFIX

VENV_BIN = Path(__file__).resolve().parents[2] / ".venv" / "bin"


def _summary(stem: str) -> Path:
    return Path(stem).parent / f"{SUMMARY_PREFIX}{Path(stem).name}.json"


@solver
def fades_with_length():
    """Reads perfectly up to 8K, then only needles near the edges; nothing at 32K."""

    async def solve(state, generate):
        meta = state.metadata
        edge = meta.get("depth", 0.5) in (0.0, 1.0)
        ok = meta["length"] <= 8192 or (meta["length"] <= 16384 and edge)
        answer = oracle_text(state.input_text, meta["family"], meta["variant"]) if ok else ""
        state.output = ModelOutput.from_content("fading", answer)
        return state

    return solve


def test_plot_writes_heatmap_curves_and_effective_length(tmp_path):
    task = niah(agent="oracle", lengths="4k,8k,16k,32k", depths="0,50,100")
    task.solver = fades_with_length()
    (log,) = inspect_eval(task, model="mockllm/model", log_dir=str(tmp_path), display="none")
    task = ruler(agent="oracle", families="niah_single_1,vt", lengths="4k,8k")
    (log2,) = inspect_eval(task, model="mockllm/model", log_dir=str(tmp_path), display="none")
    result = subprocess.run(
        [str(VENV_BIN / "longcat-evals"), "plot", "long-context", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    stem = log.location.removesuffix(".eval")
    summary = json.loads(_summary(stem).read_text())
    expected = {"4096": 100.0, "8192": 100.0, "16384": 66.67, "32768": 0.0}
    assert summary["scores_by_length"] == expected
    assert summary["effective_length"] == 8192
    assert summary["tokenizer_approximate"] is True
    for name in (".niah_heatmap.png", ".score_vs_length.png"):
        image = matplotlib.image.imread(stem + name)
        assert image.shape[0] > 200 and image.shape[1] > 300
    stem2 = log2.location.removesuffix(".eval")
    summary2 = json.loads(_summary(stem2).read_text())
    assert summary2["effective_length"] == 8192
    assert set(summary2["variants"]) == {"niah_single_1", "vt"}
    assert not Path(stem2 + ".niah_heatmap.png").exists()  # heatmaps are for niah only
    assert "wrote" in result.stderr
    # What plotting writes into a log dir is never taken for a log (a second `make demo`'s
    # eval_set and `longcat-evals table` read the same dir).
    assert sorted(i.name for i in list_eval_logs(str(tmp_path))) == sorted(
        f"file://{p}" for p in (log.location, log2.location)
    )
    assert sorted(find_logs([str(tmp_path)])) == sorted(
        Path(p) for p in (log.location, log2.location)
    )
