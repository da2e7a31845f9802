"""End to end in real containers: the built-in suite (oracle 100, null 0) and the fixture dirs."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import pytest
import yaml
from inspect_ai import eval as inspect_eval

from longcat_evals.evals.terminal.loader import load_all
from longcat_evals.evals.terminal.task import BUILTIN_SUITE, TerminalInputError, terminal_bench
from longcat_evals.results.scoring import headline

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _run(tmp_path, sample_id=None, **task_args):
    [log] = inspect_eval(
        terminal_bench(**task_args),
        sample_id=sample_id,
        model="mockllm/model",
        max_samples=4,
        log_dir=str(tmp_path),
        display="none",
    )
    assert log.status == "success", log.error
    return log, {sample.id: sample for sample in log.samples}


def _value(sample):
    return next(iter(sample.scores.values())).value if sample.scores else None


@pytest.mark.parametrize("agent, expected", [("oracle", 1.0), ("null", 0.0)])
def test_builtin_suite_oracle_and_null(docker_engine, tmp_path, agent, expected):
    log, samples = _run(tmp_path, agent=agent)
    ids = {task.id for task in load_all(BUILTIN_SUITE)[0]}
    assert set(samples) == ids
    wrong = {
        i: (
            _value(s),
            s.error and s.error.message,
            next(iter(s.scores.values())).explanation if s.scores else None,
        )
        for i, s in samples.items()
        if _value(s) != expected
    }
    assert not wrong
    row = headline(log)
    assert (row.score, row.errors, row.unscored) == (100.0 * expected, 0, 0)
    for sample in samples.values():  # every built-in task builds FROM a mapped stand-in
        assert sample.metadata["image_substitutions"], sample.id


def test_fixture_dirs_both_formats_by_path(docker_engine, tmp_path):
    """Third-party-style dirs evaluated unedited: outcomes kept apart, substitutions recorded."""
    log, samples = _run(tmp_path, agent="oracle", path=str(FIXTURES), network=False)
    assert _value(samples["hello-harbor"]) == 1.0  # Harbor: reward.txt, verifier/solution env
    assert _value(samples["tb1-count-words"]) == 1.0  # 1.x: pytest report, solution.yaml
    assert _value(samples["tb1-two-services"]) == 1.0  # 1.x compose: two services, private net
    hello = samples["hello-harbor"].metadata
    assert hello["image_substitutions"][0]["from"] == "python:3.12-slim"
    assert hello["baked_installs"] == ["apt-get install -y procps", "pip install pytest==8.3.4"]
    assert hello["workdir"] == "/app" and hello["offline"] is True
    network = samples["needs-network"]
    assert math.isnan(_value(network))
    explanation = next(iter(network.scores.values())).explanation
    assert explanation.startswith("needs network: the test script runs `curl -LsSf")
    # 1.x builds from the task dir; its `COPY . /app/task-src/` must not carry tests/solution.
    listing = subprocess.run(
        ["docker", "run", "--rm", samples["tb1-count-words"].metadata["image"], "ls", "-A",
         "/app/task-src"], capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert "Dockerfile" in listing and "task.yaml" in listing
    assert not {"tests", "solution.yaml", "run-tests.sh"} & set(listing)
    two = yaml.safe_load(Path(samples["tb1-two-services"].metadata["compose_file"]).read_text())
    # Offline: the task's own network only, internal (no route out), and the agent's container
    # not on the project's egress network either.
    assert set(two["networks"]) == {"tasknet"} and two["networks"]["tasknet"]["internal"]
    default, api = two["services"]["default"], two["services"]["api"]
    assert set(default["networks"]) == {"tasknet"}
    assert default["networks"]["tasknet"]["aliases"] == ["client"]
    assert "volumes" not in default and "container_name" not in default
    assert default["init"] and not default["privileged"] and default["pids_limit"]
    assert "command" not in api and api["environment"] == {"SECRET_SOURCE": "build"}
    broken = samples["broken-build"]
    assert broken.error is not None and not broken.scores
    assert "docker build of terminal task 'broken-build'" in broken.error.message
    assert "returned a non-zero code: 3" in broken.error.message
    json_reward = samples["json-reward"].scores
    score = next(iter(json_reward.values()))
    # Harbor/inspect-harbor: the `reward` key, else the first key; the planted reward.txt is gone.
    assert score.value == 1.0 and "first of 2 keys" in score.explanation
    assert score.metadata["reward_source"] == "reward.json"
    assert score.metadata["rewards"] == {"correctness": 1.0, "style": 0.5}
    prebuilt = samples["prebuilt-image"]  # Harbor docker_image only: mapped, not built
    assert _value(prebuilt) == 1.0
    assert prebuilt.metadata["image_substitutions"][0]["from"] == "ubuntu:24.04"
    row = headline(log)
    assert (row.samples, row.errors, row.unscored) == (7, 1, 1)
    assert round(row.score, 1) == round(100 * 5 / 7, 1)


def test_fixture_null_and_load_error_sample(docker_engine, tmp_path):
    import shutil

    for name in ("hello-harbor", "tb1-count-words"):
        shutil.copytree(FIXTURES / name, tmp_path / "tasks" / name)
    (tmp_path / "tasks" / "bad").mkdir()
    (tmp_path / "tasks" / "bad" / "task.toml").write_text("[agent\n")
    slow = tmp_path / "tasks" / "slow-verifier"
    shutil.copytree(FIXTURES / "json-reward", slow)
    (slow / "task.toml").write_text("[verifier]\ntimeout_sec = 2.0\n")
    (slow / "tests" / "test.sh").write_text("sleep 60\necho 1 > /logs/verifier/reward.txt\n")
    noisy = tmp_path / "tasks" / "noisy-output"
    shutil.copytree(FIXTURES / "json-reward", noisy)
    (noisy / "tests" / "test.sh").write_text(
        "printf 'bad bytes: \\xff\\xfe\\n'\nhead -c 3000000 /dev/zero | tr '\\0' x\n"
        "echo; echo END-OF-TESTS\necho 1 > /logs/verifier/reward.txt\n"
    )
    log, samples = _run(tmp_path, agent="null", path=str(tmp_path / "tasks"), network=False)
    noisy_score = next(iter(samples["noisy-output"].scores.values()))
    assert noisy_score.value == 1.0  # undecodable bytes and 3 MB of output are no infra error
    assert noisy_score.metadata["test_output_tail"].rstrip().endswith("END-OF-TESTS")
    assert _value(samples["hello-harbor"]) == 0.0
    assert _value(samples["tb1-count-words"]) == 0.0
    timed_out = next(iter(samples["slow-verifier"].scores.values()))
    assert math.isnan(timed_out.value) and timed_out.explanation == "verifier timed out after 2 s"
    assert samples["bad"].error.message.startswith(
        "sample bad: terminal task 'bad': task.toml: invalid TOML"
    )


def test_missing_solution_errors_only_that_sample(docker_engine, tmp_path):
    import shutil

    shutil.copytree(FIXTURES / "hello-harbor", tmp_path / "t" / "hello-harbor")
    shutil.rmtree(tmp_path / "t" / "hello-harbor" / "solution")
    log, samples = _run(tmp_path, agent="oracle", path=str(tmp_path / "t"), network=False)
    assert "solution/solve.sh: missing, so the oracle agent cannot run" in (
        samples["hello-harbor"].error.message
    )


def test_user_image_map_comes_first(docker_engine, tmp_path):
    user_map = tmp_path / "my-map.yaml"
    user_map.write_text("version: 1\nentries:\n  - match: 'debian:*'\n    use: c\n")
    log, samples = _run(
        tmp_path, "json-reward", agent="oracle", path=str(FIXTURES), network=False,
        image_map=str(user_map),
    )  # fmt: skip
    [substitution] = samples["json-reward"].metadata["image_substitutions"]
    assert substitution["from"] == "debian:bookworm-slim" and substitution["map"] == str(user_map)
    assert substitution["to"].startswith("longcat-evals/c:")
    assert _value(samples["json-reward"]) == 1.0
    user_map.write_text("version: 1\nentries:\n  - match: 'debian:*'\n")
    with pytest.raises(TerminalInputError, match=r"my-map.yaml: entries.0.use: Field required"):
        terminal_bench(path=str(FIXTURES), image_map=str(user_map))
