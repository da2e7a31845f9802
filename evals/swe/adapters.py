"""Dataset rows → `SweInstance`, one adapter per way the datasets really differ.

The second step of a dataset: `dataset` read the rows; here each becomes an instance validated by
`schema.build_instance`, or a `LoadFailure` (one line naming its file and line, instance and
field) that errors only its own sample; `samples` makes the Inspect samples.

- SWE-bench Verified / Multilingual (swebench 5.x rows): image, eval_script, log_parser and
  eval_type come with the row; FAIL_TO_PASS/PASS_TO_PASS are JSON strings.
- SWE-bench Pro: images on Docker Hub (`jefzda/sweap-images:<tag>`), grading by the run script
  and output parser in the Pro repository's `run_scripts/<instance_id>/` (a user-given checkout).
- Local JSONL: our schema, the repository as a bundle or path, an environment recipe; the image
  is built offline and the eval script generated (`evalscript.local_eval_script`).
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Sequence
from pathlib import Path

from swebench.harness.log_parsers import PARSER_REGISTRY
from swebench.image_builder.image_spec import ImageSpec

from longcat_evals.evals.swe.evalscript import local_eval_script, pro_entry_script
from longcat_evals.evals.swe.schema import (
    InstanceError,
    Loaded,
    LoadFailure,
    ProGrading,
    SweInstance,
    build_instance,
    patch_files,
)

SWEBENCH_NAMESPACE = "swebench"
SWEBENCH_FIELDS = ("instance_id", "repo", "base_commit", "problem_statement", "patch", "test_patch")
SWEBENCH_5X_FIELDS = ("eval_script", "log_parser")
PRO_FIELDS = (
    "instance_id", "repo", "base_commit", "problem_statement", "patch", "test_patch",
    "fail_to_pass", "pass_to_pass", "before_repo_set_cmd", "selected_test_files_to_run",
)  # fmt: skip
PRO_IMAGE_REPOSITORY = "jefzda/sweap-images"
PRO_WORKDIR = "/app"
PRO_ELEMENT_WEB_KEEPS_VNAN = (
    "instance_element-hq__element-web-ec0f940ef0e8e3b61078f145f34dc40d1938e6c5-vnan"
)
LOCAL_FIELDS = ("instance_id", "language", "log_parser", "environment")


Adapter = Callable[[dict, str], SweInstance]
"""(row, where it is: `file:line` or `<dataset> row <i>`) → the instance, or InstanceError."""


def instances(rows: Sequence[tuple[str, dict | InstanceError]], adapt: Adapter) -> list[Loaded]:
    """Every row through ADAPT; a bad row (unreadable, or refused by ADAPT) is a LoadFailure."""
    loaded: list[Loaded] = []
    for where, row in rows:
        try:
            if isinstance(row, InstanceError):
                raise row
            loaded.append(adapt(row, where))
        except InstanceError as e:
            loaded.append(LoadFailure(_row_id(row, where), str(e)))
    return loaded


def _row_id(row: dict | InstanceError, where: str) -> str:
    """The row's instance id, else its place (`export.jsonl:3`) as the failing sample's id."""
    if isinstance(row, dict) and isinstance(row.get("instance_id"), str) and row["instance_id"]:
        return row["instance_id"]
    return where.rsplit("/", 1)[-1].replace(" ", "-")


def _check_parser(instance_id: str, name: str, source: str) -> None:
    if name not in PARSER_REGISTRY:
        raise InstanceError(
            f"{source}: instance {instance_id}: field log_parser: unknown parser '{name}' "
            "(see swebench.harness.log_parsers.PARSER_REGISTRY)"
        )


def swebench_image(instance_id: str, namespace: str | None = SWEBENCH_NAMESPACE) -> str:
    """The official image name (`swebench/sweb.eval.x86_64.<id>:latest`, `__` → `_1776_`)."""
    return ImageSpec(instance_id=instance_id, dockerfile="-", namespace=namespace).name


CPP_PARSERS = ("parse_log_doctest", "parse_log_googletest")
CPP_SUFFIXES = (".cpp", ".cc", ".cxx", ".hpp", ".hh", ".hxx", ".ipp")
TS_SUFFIXES = (".ts", ".tsx", ".mts", ".cts")
JS_SUFFIXES = (".js", ".jsx", ".mjs", ".cjs")


def parser_language(log_parser: str, patch: str = "") -> str:
    """The language of a row without a `language` field, from its parser and gold patch.

    The parser's module names the family (log_parsers/go.py → go); C and C++ share `c.py`
    and JavaScript and TypeScript share `javascript.py`, so there the gold patch's file
    suffixes decide (a C++ test framework's parser, or any C++ source, means cpp; more
    TypeScript than JavaScript sources means typescript).
    """
    family = PARSER_REGISTRY[log_parser].__module__.rsplit(".", 1)[-1]
    files = patch_files(patch)
    if family == "c":
        if log_parser in CPP_PARSERS or any(f.endswith(CPP_SUFFIXES) for f in files):
            return "cpp"
    if family == "javascript":
        ts = sum(f.endswith(TS_SUFFIXES) for f in files)
        if ts > sum(f.endswith(JS_SUFFIXES) for f in files):
            return "typescript"
    return family


def from_swebench_row(row: dict, source: str) -> SweInstance:
    """A SWE-bench Verified or Multilingual row (swebench 5.x layout)."""
    require_fields(row, SWEBENCH_FIELDS, source)
    instance_id = row["instance_id"]
    for name in SWEBENCH_5X_FIELDS:
        if not row.get(name):
            raise InstanceError(
                f"{source}: instance {instance_id}: field {name}: missing (this row predates "
                "swebench 5.x; load a dataset revision whose rows carry image/eval_script/"
                "log_parser/eval_type)"
            )
    _check_parser(instance_id, row["log_parser"], source)
    if str(row.get("image_assets") or "").strip() not in ("", "{}", "[]", "null"):
        # swebench downloads these into the grading container; grading without them would
        # run the tests against missing baselines.
        raise InstanceError(
            f"{source}: instance {instance_id}: field image_assets: not supported (binary "
            "assets swebench stages by URL); grade this instance with swebench itself"
        )
    fields = {key: row[key] for key in (*SWEBENCH_FIELDS, "eval_script", "log_parser")}
    fields.update(
        FAIL_TO_PASS=json_list(row.get("FAIL_TO_PASS", "[]"), instance_id, "FAIL_TO_PASS"),
        PASS_TO_PASS=json_list(row.get("PASS_TO_PASS", "[]"), instance_id, "PASS_TO_PASS"),
        language=row.get("language") or parser_language(row["log_parser"], row["patch"]),
        version=str(row.get("version") or ""),
        image=row.get("image") or swebench_image(instance_id),
        eval_type=row.get("eval_type") or "pass_and_fail",
        hints_text=row.get("hints_text") or "",
    )
    return build_instance(fields, source)


def _pro_list(value: object, instance_id: str, field: str) -> list[str]:
    """Pro stores lists as Python literals ("['a', 'b']"), sometimes as JSON."""
    if isinstance(value, list):
        return [str(v) for v in value]
    try:
        parsed = ast.literal_eval(value) if isinstance(value, str) and value.strip() else []
    except (ValueError, SyntaxError) as e:
        raise InstanceError(f"instance {instance_id}: field {field} is not a list ({e})") from e
    if not isinstance(parsed, list | tuple):
        raise InstanceError(f"instance {instance_id}: field {field} is not a list")
    return [str(v) for v in parsed]


def pro_image(row: dict) -> str:
    """The Docker Hub image of a Pro row: its `dockerhub_tag`, else the Pro evaluator's naming.

    The naming is `get_dockerhub_image_uri` of the Pro repository's helper_code/image_uri.py:
    `<owner>.<name>-<id without instance_ and -vnan>`, cut at 128 characters; element-web rows
    use `element`, except one instance that keeps both `element-web` and its `-vnan`.
    """
    tag = row.get("dockerhub_tag")
    if not tag:
        owner, name = row["repo"].lower().split("/", 1)
        uid = row["instance_id"]
        hsh = uid.replace("instance_", "")
        if uid == PRO_ELEMENT_WEB_KEEPS_VNAN:
            name = "element-web"
        elif "element-hq" in row["repo"].lower() and "element-web" in row["repo"].lower():
            name = "element"
            hsh = hsh.removesuffix("-vnan")
        else:
            hsh = hsh.removesuffix("-vnan")
        tag = f"{owner}.{name}-{hsh}"[:128]
    return f"{PRO_IMAGE_REPOSITORY}:{tag}"


def _env_exports(checkout: Path, instance_id: str) -> list[str]:
    exports = []
    for kind in ("base_dockerfile", "instance_dockerfile"):
        path = checkout / "dockerfiles" / kind / instance_id / "Dockerfile"
        if path.is_file():
            for line in path.read_text().splitlines():
                if line.strip().startswith("ENV"):
                    exports.append(line.strip().replace("ENV", "export", 1))
    return exports


def from_pro_row(row: dict, checkout: Path, source: str) -> SweInstance:
    """A SWE-bench Pro row plus its run script and parser from the Pro checkout."""
    require_fields(row, PRO_FIELDS, source)
    instance_id = row["instance_id"]
    scripts = checkout / "run_scripts" / instance_id
    texts = {}
    for name in ("run_script.sh", "parser.py"):
        path = scripts / name
        if not path.is_file():
            raise InstanceError(
                f"{source}: instance {instance_id}: field run_scripts: no {path} in the SWE-bench "
                "Pro checkout (clone https://github.com/scaleapi/SWE-bench_Pro-os, pass its path)"
            )
        texts[name] = path.read_text()
    selected_field = "selected_test_files_to_run"
    selected = _pro_list(row[selected_field], instance_id, selected_field)
    pro = ProGrading(
        run_script=texts["run_script.sh"],
        parser_script=texts["parser.py"],
        before_repo_set_cmd=row["before_repo_set_cmd"] or "",
        selected_test_files=selected,
        env_exports=_env_exports(checkout, instance_id),
    )
    fields = {key: row[key] for key in SWEBENCH_FIELDS}
    fields.update(
        FAIL_TO_PASS=_pro_list(row["fail_to_pass"], instance_id, "fail_to_pass"),
        PASS_TO_PASS=_pro_list(row["pass_to_pass"], instance_id, "pass_to_pass"),
        language=row.get("repo_language") or "python",
        image=pro_image(row),
        workdir=PRO_WORKDIR,
        eval_script=pro_entry_script(
            workdir=PRO_WORKDIR,
            base_commit=row["base_commit"],
            before_repo_set_cmd=pro.before_repo_set_cmd,
            selected_test_files=selected,
            env_exports=pro.env_exports,
        ),
        pro=pro,
    )
    statement = row["problem_statement"]
    if row.get("requirements"):
        statement += f"\n\nRequirements:\n{row['requirements']}"
    if row.get("interface"):
        statement += f"\n\nNew interfaces introduced:\n{row['interface']}"
    fields["problem_statement"] = statement
    return build_instance(fields, source)


def from_local_row(row: dict, base_dir: Path, source: str) -> SweInstance:
    """A local JSONL row (image tag still unset; repo_source resolved to an absolute path)."""
    require_fields(row, (*SWEBENCH_FIELDS, *LOCAL_FIELDS), source)
    instance_id = row["instance_id"]
    _check_parser(instance_id, row["log_parser"], source)
    env = row["environment"]
    if not isinstance(env, dict) or "repo_source" not in env or "test_cmd" not in env:
        raise InstanceError(
            f"{source}: instance {instance_id}: field environment: needs toolchain, repo_source "
            "and test_cmd"
        )
    fields = {k: v for k, v in row.items() if k not in ("created_at",)}
    fields["FAIL_TO_PASS"] = json_list(row.get("FAIL_TO_PASS", []), instance_id, "FAIL_TO_PASS")
    fields["PASS_TO_PASS"] = json_list(row.get("PASS_TO_PASS", []), instance_id, "PASS_TO_PASS")
    fields.setdefault("image", "pending-local-build")
    repo_source = _resolve_path(str(env["repo_source"]), base_dir).resolve()
    fields["environment"] = {**env, "repo_source": str(repo_source)}
    instance = build_instance(fields, source)
    new_files = _new_files(instance.test_patch)
    test_files = instance.test_files()
    instance.eval_script = local_eval_script(
        workdir=instance.workdir,
        base_commit=instance.base_commit,
        test_patch=instance.test_patch,
        test_files_existing=[f for f in test_files if f not in new_files],
        test_files_new=[f for f in test_files if f in new_files],
        test_cmd=instance.environment.test_cmd,
    )
    return instance


def _new_files(diff: str) -> set[str]:
    new, current = set(), None
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            current = (patch_files(line) or [None])[0]
        elif line.startswith("new file mode") and current:
            new.add(current)
    return new


def json_list(value: object, instance_id: str, field: str) -> list[str]:
    """A list of test names from a JSON string (HF datasets) or a list (local JSONL)."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except json.JSONDecodeError as e:
            raise InstanceError(
                f"instance {instance_id}: field {field} is not a JSON list ({e.msg})"
            ) from e
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InstanceError(f"instance {instance_id}: field {field} must be a list of strings")
    return value


def require_fields(row: dict, names: tuple[str, ...], source: str) -> None:
    """One-line error for the first of NAMES missing from a foreign row."""
    instance_id = row.get("instance_id") or "?"
    for name in names:
        if name not in row or row[name] is None:
            raise InstanceError(f"{source}: instance {instance_id}: field {name}: missing")


def _resolve_path(path: str, base: Path) -> Path:
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else (base / candidate)
