"""The verifier guard's host-side logic: file-system change triage and the framed run report."""

from __future__ import annotations

import base64
from pathlib import Path

from longcat_evals.evals.terminal import guard

NONCE = "ab" * 16


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _report(
    output="ok\n",
    code=0,
    files=None,
    pre=None,
    post=None,
    elapsed=1,
    extra="",
    end=True,
):
    m = f"@@{NONCE}"
    lines = [f"{m} PRE {_b64(pre or '')}"]
    for name, text in (files or {}).items():
        lines.append(f"{m} FILE {name} {_b64(text)}")
    lines.append(f"{m} FILES {' '.join(files or {})}".rstrip())
    lines.append(f"{m} OUT {_b64(output + f'{m} EXIT {code}' + chr(10))}")
    lines.append(f"{m} TIME {elapsed}")
    lines.append(f"{m} POST {_b64(post if post is not None else pre or '')}")
    if end:
        lines.append(f"{m} END")
    return "\n".join(lines) + "\n" + extra


def test_classify_sorts_changes():
    diff = [
        "C /usr",
        "A /usr/sbin/docker-init",
        "A /etc/ld.so.preload",
        "A /usr/local/lib/python3.11/dist-packages/sitecustomize.py",
        "A /conftest.py",
        "A /pyproject.toml",  # searched for a pytest section, not tampering by itself
        "A /app/conftest.py",  # the agent's own tests: fine
        "C /usr/bin/python3.11",
        "A /usr/local/bin/pytest",
        "A /usr/local/lib/python3.11/dist-packages/distutils-precedence.pth",
        "C /usr/local/lib/python3.11/dist-packages/_pytest/main.py",
        "A /logs",
        "A /logs/verifier/reward.txt",
        "D /usr/bin/perl",
    ]
    changes = guard.classify(diff)
    assert changes.tamper == [
        "added /etc/ld.so.preload",
        "added /usr/local/lib/python3.11/dist-packages/sitecustomize.py",
        "pytest configuration planted at the root: /conftest.py",
    ]
    assert changes.root_projects == ["/pyproject.toml"]
    assert guard._SYSTEM_PTH.match("/usr/local/lib/python3.11/dist-packages/zz-hook.pth")
    assert not guard._SYSTEM_PTH.match("/app/.venv/lib/python3.12/site-packages/_virtualenv.pth")
    assert "tool on PATH replaced: /usr/bin/python3.11" in changes.suspects
    assert any("distutils-precedence.pth" in s for s in changes.suspects)
    assert any("_pytest/main.py" in s for s in changes.suspects)
    assert any(s.endswith("A /logs") for s in changes.suspects)
    assert changes.scanned == [
        "/usr/bin/python3.11",
        "/usr/local/bin/pytest",
        "/usr/local/lib/python3.11/dist-packages/distutils-precedence.pth",
    ]
    assert not any("docker-init" in s for s in changes.suspects + changes.tamper)


def test_runner_names():
    for name in ("python", "python3", "python3.12", "pytest", "bash", "sh", "uvx", "env"):
        assert guard.RUNNERS.match(name), name
    for name in ("mytool", "pythonista-cli", "jq", "bashrc"):
        assert not guard.RUNNERS.match(name), name


def test_hashes_match_sha256sum_layout(tmp_path):
    tests = tmp_path / "tests"
    (tests / "data").mkdir(parents=True)
    (tests / "test.sh").write_text("echo\n")
    (tests / "data" / "x.txt").write_text("x")
    (tests / "link").symlink_to("test.sh")
    script = tmp_path / "run-tests.sh"
    script.write_text("bash\n")
    hashes = guard._hashes({".": tests, "run-tests.sh": script})
    assert set(hashes) == {"./test.sh", "./data/x.txt", "./run-tests.sh"}


def test_parse_run_reads_the_framed_report():
    run = guard.parse_run(
        _report("hello\n", 2, {"reward.txt": "0\n", "reward.json": ""}), NONCE, {}, 60
    )
    assert (run.exit_code, run.output, run.reward_txt, run.reward_json) == (2, "hello\n", "0\n", "")
    assert not run.timed_out and run.tamper == [] and run.suspects == []


def test_parse_run_detects_forged_and_missing_reports():
    forged = _report(extra=f"@@{NONCE} FILE reward.txt {_b64('1')}\n")
    run = guard.parse_run(forged, NONCE, {}, 60)
    assert "written to by another process" in run.tamper[0] and run.reward_txt is None
    twice = _report(files={"reward.txt": "0"}, extra=f"@@{NONCE} FILE reward.txt {_b64('1')}\n")
    assert "written to by another process" in guard.parse_run(twice, NONCE, {}, 60).tamper[0]
    cut = guard.parse_run(_report(end=False), NONCE, {}, 60)
    assert "incomplete" in cut.tamper[0]
    # Lines without this run's nonce are ignored (a test printing markers of its own).
    other = _report(extra=f"@@{'cd' * 16} FILE reward.txt {_b64('1')}\n")
    assert guard.parse_run(other, NONCE, {}, 60).reward_txt is None


def test_parse_run_checks_test_hashes():
    expected = {"./test.sh": "a" * 64}
    good = f"{'a' * 64}  ./test.sh\n"
    assert guard.parse_run(_report(pre=good), NONCE, expected, 60).tamper == []
    swapped = guard.parse_run(_report(pre=f"{'b' * 64}  ./test.sh\n"), NONCE, expected, 60)
    assert "differed from the task's before they ran" in swapped.tamper[0]
    changed = guard.parse_run(_report(pre=good, post=""), NONCE, expected, 60)
    assert changed.tamper == [] and "changed while the tests ran" in changed.suspects[0]


def test_parse_run_timeouts_and_signals():
    assert guard.parse_run(_report(code=124, elapsed=60), NONCE, {}, 60).timed_out
    assert not guard.parse_run(_report(code=124, elapsed=3), NONCE, {}, 60).timed_out
    killed = guard.parse_run(_report(code=137, elapsed=3), NONCE, {}, 60)
    assert "killed by a signal" in killed.suspects[0]


def test_parse_run_traced_and_planted():
    m = f"@@{NONCE}"
    extra = f"{m} TRACED 40 12 outside\n{m} TRACED 40 12 outside\n{m} PLANTED /logs /opt/fake\n"
    run = guard.parse_run(_report(extra=extra), NONCE, {}, 60)
    assert run.traced_by == ["40 12 outside"]
    assert run.suspects == ["planted before verification (replaced): /logs /opt/fake"]


def test_missing_tool_is_one_clear_error():
    import pytest

    with pytest.raises(RuntimeError, match="the task image lacks `sha256sum`"):
        guard.parse_run(f"@@{NONCE} MISSING sha256sum\n", NONCE, {}, 60)


def test_run_script_is_posix_sh(tmp_path):
    import shutil
    import subprocess

    sh = shutil.which("dash") or shutil.which("sh")
    script = guard.run_script(NONCE, "/nonexistent.tar", "test.sh", 5)
    assert subprocess.run([sh, "-n", "-c", script]).returncode == 0
    freeze = "NAMES=x\n" + guard.KEPT_INIT + guard.FREEZE_SCRIPT
    assert subprocess.run([sh, "-n", "-c", freeze]).returncode == 0
    assert subprocess.run([sh, "-n", "-c", guard.OWNER_SCRIPT]).returncode == 0
    assert Path(sh).exists()
