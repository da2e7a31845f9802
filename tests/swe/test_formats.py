"""Dataset formats the official loaders read, Pro naming and binary hunks, language labels (no
Docker)."""

from __future__ import annotations

import json

import pytest

from longcat_evals.evals.swe.adapters import parser_language, pro_image
from longcat_evals.evals.swe.grading import strip_binary_hunks
from longcat_evals.evals.swe.schema import InstanceError, LoadFailure
from longcat_evals.evals.swe.task import load_local, load_official


def _ids(loaded) -> list[str]:
    return [item.instance_id for item in loaded]


def _two_rows(verified_row) -> list[dict]:
    return [verified_row(), verified_row(instance_id="django__django-11099")]


def test_json_array_as_swebench_reads_it(tmp_path, verified_row):
    path = tmp_path / "verified.json"
    rows = [*_two_rows(verified_row), ["not", "an", "object"]]
    path.write_text(json.dumps(rows, indent=2))
    loaded = load_official("verified", dataset=str(path))
    assert _ids(loaded)[:2] == ["django__django-10999", "django__django-11099"]
    assert isinstance(loaded[2], LoadFailure)
    assert f"{path} row 2" in loaded[2].message and "JSON object" in loaded[2].message


def test_broken_json_array_is_one_line_naming_the_line(tmp_path, verified_row):
    path = tmp_path / "verified.json"
    text = json.dumps(_two_rows(verified_row), indent=2)
    path.write_text(text[: len(text) // 2])
    with pytest.raises(InstanceError) as info:
        load_official("verified", dataset=str(path))
    message = str(info.value)
    assert message.startswith(f"{path}:") and "\n" not in message


def test_json_lines_bad_lines_error_only_themselves(tmp_path, verified_row):
    good, other = _two_rows(verified_row)
    path = tmp_path / "verified.jsonl"
    path.write_text(f"{json.dumps(good)}\n{{oops\n\n[1]\n{json.dumps(other)}\n")
    loaded = load_official("verified", dataset=str(path))
    assert _ids(loaded) == [
        "django__django-10999", "verified.jsonl:2", "verified.jsonl:4", "django__django-11099",
    ]  # fmt: skip
    assert f"{path}:2: not JSON" in loaded[1].message
    assert f"{path}:4: a row must be a JSON object" in loaded[2].message


def test_a_bad_row_names_its_line(tmp_path, verified_row):
    path = tmp_path / "verified.jsonl"
    bad = verified_row(instance_id="django__django-12345")
    del bad["patch"]
    path.write_text(json.dumps(verified_row()) + "\n" + json.dumps(bad) + "\n")
    failure = load_official("verified", dataset=str(path))[1]
    assert failure.instance_id == "django__django-12345"
    assert f"{path}:2" in failure.message and "field patch: missing" in failure.message


def test_parquet_and_datasets_folders(tmp_path, verified_row):
    import datasets

    data = datasets.Dataset.from_list(_two_rows(verified_row))
    expected = ["django__django-10999", "django__django-11099"]
    data.to_parquet(str(tmp_path / "export.parquet"))
    assert _ids(load_official("verified", dataset=str(tmp_path / "export.parquet"))) == expected
    # swebench's load_swebench_dataset: <name>/<split>.parquet and <name>/<split>/ on disk.
    (tmp_path / "byname").mkdir()
    data.to_parquet(str(tmp_path / "byname" / "test.parquet"))
    assert _ids(load_official("verified", dataset=str(tmp_path / "byname"))) == expected
    data.save_to_disk(str(tmp_path / "ondisk" / "test"))
    assert _ids(load_official("verified", dataset=str(tmp_path / "ondisk"))) == expected
    data.save_to_disk(str(tmp_path / "flat"))
    assert _ids(load_official("verified", dataset=str(tmp_path / "flat"))) == expected
    datasets.DatasetDict({"test": data, "dev": data.select([0])}).save_to_disk(
        str(tmp_path / "dict")
    )
    assert _ids(load_official("verified", dataset=str(tmp_path / "dict"))) == expected
    dev = load_official("verified", dataset=str(tmp_path / "dict"), split="dev")
    assert _ids(dev) == expected[:1]
    with pytest.raises(InstanceError, match="no split 'train'"):
        load_official("verified", dataset=str(tmp_path / "dict"), split="train")
    (tmp_path / "nothing").mkdir()
    with pytest.raises(InstanceError, match="save_to_disk"):
        load_official("verified", dataset=str(tmp_path / "nothing"))


def test_csv_as_the_pro_evaluator_reads_it(tmp_path, pro_row, pro_checkout, pro_id):
    import pandas

    row = pro_row()
    row["interface"] = None  # a null cell: the Pro evaluator fills nulls with ""
    path = tmp_path / "pro.csv"
    pandas.DataFrame([row]).to_csv(path, index=False)
    (instance,) = load_official("pro", dataset=str(path), pro_checkout=str(pro_checkout))
    assert instance.instance_id == pro_id
    assert "New interfaces" not in instance.problem_statement


def test_empty_datasets_are_one_line(tmp_path):
    for name in ("empty.jsonl", "empty.json"):
        path = tmp_path / name
        path.write_text("\n" if name.endswith("l") else "[]")
        with pytest.raises(InstanceError, match="the dataset has no rows"):
            load_official("verified", dataset=str(path))
    path = tmp_path / "local.jsonl"
    path.write_text("")
    with pytest.raises(InstanceError, match="the dataset has no rows"):
        load_local(path)
    with pytest.raises(InstanceError, match="unknown dataset format"):
        (tmp_path / "rows.txt").write_text("x")
        load_official("verified", dataset=str(tmp_path / "rows.txt"))


def test_pro_image_naming_as_the_pro_evaluator(pro_row):
    """helper_code/image_uri.py of the Pro repository, case by case."""
    sha = "ec0f940ef0e8e3b61078f145f34dc40d1938e6c5"
    special = pro_row(
        repo="element-hq/element-web", instance_id=f"instance_element-hq__element-web-{sha}-vnan"
    )
    assert pro_image(special) == (
        f"jefzda/sweap-images:element-hq.element-web-element-hq__element-web-{sha}-vnan"
    )
    other = pro_row(
        repo="element-hq/element-web", instance_id="instance_element-hq__element-web-abc-vnan"
    )
    assert pro_image(other) == "jefzda/sweap-images:element-hq.element-element-hq__element-web-abc"
    versioned = pro_row(repo="NodeBB/NodeBB", instance_id="instance_NodeBB__NodeBB-abc-vf2cf3")
    assert pro_image(versioned) == "jefzda/sweap-images:nodebb.nodebb-NodeBB__NodeBB-abc-vf2cf3"
    long = pro_row(repo="a/b", instance_id="instance_" + "x" * 200)
    assert len(pro_image(long).split(":", 1)[1]) == 128


def _diff(path: str) -> str:
    return f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n@@ -1 +1 @@\n-a\n+b\n"


def test_binary_hunks_are_stripped_as_the_pro_evaluator_does():
    git_binary = (
        "diff --git a/img.png b/img.png\nnew file mode 100644\nindex 0000000..e69de29\n"
        "GIT binary patch\nliteral 3\nKcmZ>Y%K!iX\n\nliteral 0\nHcmV?d00001\n\n"
    )
    plain_binary = (
        "diff --git a/font.woff b/font.woff\nindex 1..2 100644\n"
        "Binary files a/font.woff and b/font.woff differ\n"
    )
    patch = _diff("src/a.py") + git_binary + _diff("src/b.py") + plain_binary
    kept, dropped = strip_binary_hunks(patch)
    assert kept == _diff("src/a.py") + _diff("src/b.py")
    assert dropped == ["img.png", "font.woff"]
    assert strip_binary_hunks(_diff("x.py")) == (_diff("x.py"), [])
    assert strip_binary_hunks("") == ("", [])


def test_language_labels_for_cpp_and_typescript():
    assert parser_language("parse_log_doctest") == "cpp"
    assert parser_language("parse_log_googletest", _diff("src/format.cc")) == "cpp"
    assert parser_language("parse_log_redis", _diff("src/t_string.c")) == "c"
    assert parser_language("parse_log_jq", _diff("src/util.hpp")) == "cpp"
    ts = _diff("src/index.ts") + _diff("src/view.tsx") + _diff("rollup.config.js")
    assert parser_language("parse_log_jest", ts) == "typescript"
    assert parser_language("parse_log_jest", _diff("lib/a.js")) == "javascript"
    assert parser_language("parse_log_gotest", _diff("a.go")) == "go"


def test_rows_with_image_assets_are_refused_not_graded_without_them(verified_row):
    from longcat_evals.evals.swe.adapters import from_swebench_row

    assets = json.dumps({"expected.png": {"url": "https://example.invalid/expected.png"}})
    with pytest.raises(InstanceError, match="field image_assets: not supported"):
        from_swebench_row(verified_row(image_assets=assets), "fixture")
    assert from_swebench_row(verified_row(image_assets="{}"), "fixture").instance_id
