"""Adapters with official-format rows, generated eval commands, malformed rows (no Docker)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from swebench.harness.constants import END_TEST_OUTPUT, START_TEST_OUTPUT, TEST_EXIT_CODE
from swebench.harness.utils import make_test_spec

from longcat_evals.evals.swe.adapters import from_pro_row, from_swebench_row, swebench_image
from longcat_evals.evals.swe.schema import InstanceError, LoadFailure
from longcat_evals.evals.swe.scorer import edited_test_files
from longcat_evals.evals.swe.task import load_local, load_official
from longcat_evals.evals.swe.validate import choose
from longcat_evals.tasks.swe import BUILTIN_INSTANCES


def test_verified_row_keeps_the_official_fields(verified_row):
    instance = from_swebench_row(verified_row(), "fixture")
    f2p = ["test_negative (utils_tests.test_dateparse.DurationParseTests)"]
    assert instance.FAIL_TO_PASS == f2p
    assert instance.image == "swebench/sweb.eval.x86_64.django_1776_django-10999:latest"
    assert instance.log_parser == "parse_log_django" and instance.language == "python"
    spec = make_test_spec(instance.model_dump())
    script = spec.eval_script
    # The official script, plus the exit-code line swebench 5.x inserts before the end marker.
    assert "./tests/runtests.py --verbosity 2" in script
    assert script.index(START_TEST_OUTPUT) < script.index("SWEBENCH_TEST_EXIT_CODE=$?")
    assert script.index("SWEBENCH_TEST_EXIT_CODE=$?") < script.index(END_TEST_OUTPUT)
    assert TEST_EXIT_CODE in script


def test_image_name_follows_the_official_naming(verified_row):
    row = verified_row()
    del row["image"]
    instance = from_swebench_row(row, "fixture")
    assert instance.image == swebench_image("django__django-10999")
    assert instance.image == "swebench/sweb.eval.x86_64.django_1776_django-10999:latest"


def test_multilingual_row(multilingual_row):
    # The hub rows have no language column: it comes from the parser's module.
    instance = from_swebench_row(multilingual_row(), "fixture")
    assert instance.language == "go" and instance.log_parser == "parse_log_gotest"
    rust = from_swebench_row(multilingual_row(log_parser="parse_log_cargo"), "fixture")
    assert rust.language == "rust"
    assert instance.PASS_TO_PASS == ["TestRouterGroupBasic"]


def test_pre_5x_row_is_refused_with_one_line(verified_row):
    row = verified_row()
    del row["eval_script"]
    with pytest.raises(InstanceError) as info:
        from_swebench_row(row, "SWE-bench verified row 3")
    message = str(info.value)
    assert "django__django-10999" in message and "eval_script" in message
    assert "\n" not in message


def test_pro_row_uses_the_checkout_scripts(pro_row, pro_checkout, pro_id):
    instance = from_pro_row(pro_row(), pro_checkout, "fixture")
    assert instance.image == (
        "jefzda/sweap-images:nodebb.nodebb-NodeBB__NodeBB-04998908ba6721d64eba79ae3b65a351dcfbc5b5"
    )
    assert instance.workdir == "/app" and instance.language == "javascript"
    assert instance.FAIL_TO_PASS == ["test/user.js | User bans should unban a user"]
    assert "npx mocha" in instance.pro.run_script
    script = instance.eval_script
    lines = script.splitlines()
    assert lines[:2] == ["export NODE_ENV=test", "export CI=1"]
    # Only the last line of before_repo_set_cmd runs, after the patch, as in the Pro evaluator.
    assert "git checkout 0f8e9ee -- test/user.js" in lines
    assert "git clean -fd" not in lines
    assert lines.index("git apply -v /workspace/patch.diff") < lines.index(
        "git checkout 0f8e9ee -- test/user.js"
    )
    assert "bash /workspace/run_script.sh test/user.js > /workspace/stdout.log" in script
    assert "Requirements:" in instance.problem_statement


def test_pro_dockerhub_tag_wins(pro_row, pro_checkout):
    instance = from_pro_row(pro_row(dockerhub_tag="nodebb.nodebb-x"), pro_checkout, "fixture")
    assert instance.image == "jefzda/sweap-images:nodebb.nodebb-x"


def test_pro_needs_a_checkout(tmp_path):
    with pytest.raises(InstanceError, match="pro_checkout"):
        load_official("pro", dataset=str(tmp_path / "rows.jsonl"))
    with pytest.raises(InstanceError, match="has no run_scripts"):
        load_official("pro", dataset=str(tmp_path / "rows.jsonl"), pro_checkout=str(tmp_path))


def test_pro_missing_run_script_names_instance(pro_row, tmp_path, pro_id):
    (tmp_path / "run_scripts").mkdir()
    with pytest.raises(InstanceError) as info:
        from_pro_row(pro_row(), tmp_path, "fixture")
    assert pro_id in str(info.value) and "run_script.sh" in str(info.value)


def test_official_loader_reads_a_local_export(tmp_path, verified_row):
    path = tmp_path / "verified.jsonl"
    rows = [verified_row(), verified_row(instance_id="django__django-11099", FAIL_TO_PASS="[oops")]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    loaded = load_official("verified", dataset=str(path))
    assert loaded[0].instance_id == "django__django-10999"
    assert isinstance(loaded[1], LoadFailure)
    assert "django__django-11099" in loaded[1].message
    assert "FAIL_TO_PASS" in loaded[1].message


def test_unpinned_hub_load_is_refused():
    with pytest.raises(InstanceError, match="revision"):
        load_official("verified")


def test_builtin_eval_scripts_reset_and_apply_the_test_patch():
    loaded = {i.instance_id: i for i in load_local(BUILTIN_INSTANCES)}
    assert len(loaded) >= 8
    assert {i.language for i in loaded.values()} >= {"python", "javascript", "go", "rust", "c"}
    inikit = loaded["longcat__inikit-12"]
    script = inikit.eval_script
    assert f"git checkout {inikit.base_commit} -- tests/test_parser.py" in script
    assert "git apply --verbose - <<'EOF_LONGCAT_TEST_PATCH'" in script
    assert "python3 -m pytest -rA -p no:cacheprovider tests" in script
    # A test file the test patch creates is removed (not checked out) before the patch.
    qs = loaded["longcat__qs-mini-18"]
    assert "rm -f test/repeat.test.js" in qs.eval_script
    assert "git checkout" not in qs.eval_script
    for instance in loaded.values():
        assert instance.patch and instance.test_patch and instance.FAIL_TO_PASS
        assert not set(instance.test_files()) & set(
            f.split(" b/")[-1] for f in instance.patch.splitlines() if f.startswith("diff --git")
        ), f"{instance.instance_id}: gold patch and test patch share files"


BAD_ROWS = {
    "missing": ("problem_statement", None),
    "bad_patch": ("patch", "this is not a diff"),
    "language": ("language", "cobol"),
    "parser": ("log_parser", "parse_log_nope"),
}


def _rows_with_errors() -> list[str]:
    good = json.loads(BUILTIN_INSTANCES.read_text().splitlines()[0])
    good["environment"]["repo_source"] = str(BUILTIN_INSTANCES.parent / "repos" / "inikit.bundle")
    lines = [json.dumps(good)]
    for name, (field, value) in BAD_ROWS.items():
        row = json.loads(json.dumps(good))
        row["instance_id"] = f"bad__{name}-1"
        if value is None:
            del row[field]
        else:
            row[field] = value
        lines.append(json.dumps(row))
    lines.append("{not json")
    return lines


def test_malformed_rows_give_one_line_errors_and_do_not_stop_loading(tmp_path: Path):
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(_rows_with_errors()) + "\n")
    loaded = load_local(path)
    assert loaded[0].instance_id == "longcat__inikit-12"
    failures = {item.instance_id: item.message for item in loaded[1:]}
    assert all(isinstance(item, LoadFailure) for item in loaded[1:])
    for name, (field, _) in BAD_ROWS.items():
        message = failures[f"bad__{name}-1"]
        assert f"bad__{name}-1" in message and field in message, message
        assert "\n" not in message
    assert "mixed.jsonl:6" in failures["mixed.jsonl:6"] and "not JSON" in failures["mixed.jsonl:6"]
    assert "missing" in failures["bad__missing-1"]
    assert "unknown language 'cobol'" in failures["bad__language-1"]


def test_validation_chooses_instances_by_id_in_dataset_order():
    loaded = load_local(BUILTIN_INSTANCES)
    ids = [i.instance_id for i in loaded]
    assert [i.instance_id for i in choose(loaded, f"{ids[2]}, {ids[0]}")] == [ids[0], ids[2]]
    assert choose(loaded, None) == loaded
    with pytest.raises(InstanceError, match=r"unknown instance id\(s\) nope \(known: "):
        choose(loaded, "nope")


def test_test_file_edits_are_recognised():
    diff = (
        "diff --git a/src/a.py b/src/a.py\n"
        "diff --git a/tests/test_a.py b/tests/test_a.py\n"
        "diff --git a/cache_test.go b/cache_test.go\n"
        "diff --git a/test/x.test.js b/test/x.test.js\n"
        "diff --git a/src/width.rs b/src/width.rs\n"
    )
    assert edited_test_files(diff, ["src/width.rs"]) == [
        "tests/test_a.py", "cache_test.go", "test/x.test.js", "src/width.rs",
    ]  # fmt: skip


def test_repo_source_that_is_not_a_repository(tmp_path):
    from longcat_evals.evals.swe.environment import clean_checkout

    (tmp_path / "plain").mkdir()
    with pytest.raises(InstanceError) as info:
        clean_checkout(tmp_path / "plain", "abc1234", tmp_path / "out", "acme__x-1")
    assert "acme__x-1" in str(info.value) and "environment.repo_source" in str(info.value)
    with pytest.raises(InstanceError, match="field base_commit"):
        bundle = BUILTIN_INSTANCES.parent / "repos" / "inikit.bundle"
        clean_checkout(bundle, "0" * 40, tmp_path / "out2", "acme__x-1")


def test_clean_checkout_from_a_repository_path_holds_only_base_history(tmp_path):
    import subprocess

    from longcat_evals.evals.swe.environment import clean_checkout

    def git(*args, cwd):
        return subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
        ).stdout.strip()

    source = tmp_path / "upstream"
    bundle = BUILTIN_INSTANCES.parent / "repos" / "inikit.bundle"
    subprocess.run(["git", "clone", "-q", str(bundle), str(source)], check=True)
    instance = next(i for i in load_local() if i.instance_id == "longcat__inikit-12")
    fix = git("rev-parse", "HEAD", cwd=source)
    assert fix != instance.base_commit
    out = tmp_path / "clean"
    clean_checkout(source, instance.base_commit, out, instance.instance_id)
    assert git("rev-parse", "HEAD", cwd=out) == instance.base_commit
    assert (
        git("log", "--all", "--format=%H", cwd=out).split()
        == git("rev-list", instance.base_commit, cwd=out).split()
    )
    assert git("tag", cwd=out) == "" and git("remote", cwd=out) == ""
    objects = git("cat-file", "--batch-all-objects", "--batch-check=%(objectname)", cwd=out)
    assert fix not in objects.split()
    # The user's repository is untouched.
    assert git("rev-parse", "HEAD", cwd=source) == fix
