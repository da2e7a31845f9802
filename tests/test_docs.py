"""The documentation a user needs lives in the repository: links resolve, nothing points outside."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Markdown links [text](target) whose target is not a URL or an in-page anchor.
LINK = re.compile(r"\[[^\]]*\]\((?!https?://|#|mailto:)([^)\s]+)\)")


def _tracked(*patterns: str) -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", *patterns], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return [ROOT / line for line in out.splitlines()]


@pytest.mark.parametrize("doc", _tracked("*.md"), ids=lambda p: str(p.relative_to(ROOT)))
def test_markdown_links_resolve_inside_the_repository(doc: Path):
    for target in LINK.findall(doc.read_text()):
        path = (doc.parent / target.split("#", 1)[0]).resolve()
        assert path.is_relative_to(ROOT), f"{doc.relative_to(ROOT)} links outside: {target}"
        assert path.exists(), f"{doc.relative_to(ROOT)} links to a missing file: {target}"


def test_no_tracked_file_refers_to_docs_outside_the_repository():
    offenders = [
        str(path.relative_to(ROOT))
        for path in _tracked()
        if path.is_file()
        and path.suffix in {".py", ".md", ".toml", ".yaml", ".yml", ""}
        and "../shared/" in path.read_text(errors="replace")
        and path.name != "test_docs.py"
    ]
    assert offenders == []


# The family READMEs' -T option tables are generated from the docstrings (longcat-evals docs).


@pytest.fixture(scope="module")
def family_readmes():
    from longcat_evals import option_tables

    return option_tables.readmes()


def test_family_readmes_carry_the_option_tables_their_docstrings_give(family_readmes):
    from longcat_evals import option_tables

    lines = [
        line
        for readme in family_readmes.values()
        for line in (
            option_tables.differences(readme, readme.path.read_text())
            if readme.path.exists()
            else [f"{readme.path}: missing"]
        )
    ]
    if lines:
        pytest.fail("\n".join(lines), pytrace=False)


def test_the_tables_come_from_the_registered_tasks_and_their_models(family_readmes):
    tables = {key for readme in family_readmes.values() for key in readme.tables}
    for name in ("longcat_evals/niah", "longcat_evals/swe_local", "longcat_evals/terminal_bench",
                 "longcat_evals/sandbox_smoke", "LongContextOptions"):  # fmt: skip
        assert name in tables
    readme = family_readmes[ROOT / "evals" / "long_context" / "README.md"]
    assert (
        "| `control` | `bool` | `False` | Build the no-context control"
        in (readme.tables["LongContextOptions"])
    )


def test_a_hand_edited_table_is_named_and_rewritten(family_readmes):
    from longcat_evals import option_tables

    readme = family_readmes[ROOT / "evals" / "terminal" / "README.md"]
    text = readme.path.read_text()
    edited = text.replace("| `build_workers` | `int` | `4` |", "| `build_workers` | `int` | `8` |")
    assert edited != text
    assert option_tables.differences(readme, edited) == [
        "evals/terminal/README.md: the table of TerminalOptions differs from the "
        "docstrings; run `longcat-evals docs`"
    ]
    assert option_tables.rewritten(readme, edited) == text


def test_a_readme_without_a_tasks_markers_is_one_line(family_readmes):
    from longcat_evals import option_tables

    readme = family_readmes[ROOT / "evals" / "smoke" / "README.md"]
    with pytest.raises(option_tables.OptionDocsError, match="no table for longcat_evals/sandbox_"):
        option_tables.rewritten(readme, "# smoke\n")
    stray = readme.path.read_text() + "<!-- options:gone -->\n<!-- /options -->\n"
    with pytest.raises(option_tables.OptionDocsError, match="a table for gone, which no task"):
        option_tables.rewritten(readme, stray)


def test_an_undocumented_option_fails_loudly():
    from longcat_evals.option_tables import OptionDocsError, task_table

    def half_documented(agent: str = "default", seed: int = 0):
        """A task.

        Args:
            agent: Which agent.
        """

    with pytest.raises(OptionDocsError, match="option seed has no description"):
        task_table(half_documented, "longcat_evals/half")


def test_a_documented_option_the_task_lacks_fails():
    from longcat_evals.option_tables import OptionDocsError, task_table

    def renamed(seeds: int = 1):
        """A task.

        Args:
            seeds: How many.
            seed: The old name.
        """

    with pytest.raises(OptionDocsError, match="describes seed, which renamed does not take"):
        task_table(renamed, "longcat_evals/renamed")


def test_options_model_fields_are_rows_and_must_be_documented():
    from pydantic import BaseModel, ConfigDict

    from longcat_evals.option_tables import OptionDocsError, model_table

    class Documented(BaseModel):
        model_config = ConfigDict(use_attribute_docstrings=True)
        window: int | None = None
        """The context window | in tokens."""

    assert model_table(Documented).splitlines()[2] == (
        "| `window` | `int \\| None` | `None` | The context window \\| in tokens. |"
    )

    class Undocumented(Documented):
        seeds: int = 1

    with pytest.raises(OptionDocsError, match="option seeds has no description"):
        model_table(Undocumented)


def test_star_options_must_name_their_model():
    from longcat_evals.option_tables import OptionDocsError, task_table

    def vague(**options):
        """A task.

        Args:
            **options: Everything else.
        """

    with pytest.raises(OptionDocsError, match="must name the one pydantic model"):
        task_table(vague, "longcat_evals/vague")


def test_an_annotation_only_type_checkers_can_resolve_is_shown_as_written():
    from longcat_evals.option_tables import task_table

    def typed(loaded: Loaded | None = None):  # noqa: F821  (no such name at run time)
        """A task.

        Args:
            loaded: What was loaded.
        """

    table, model = task_table(typed, "longcat_evals/typed")
    assert model is None
    assert "| `loaded` | `Loaded \\| None` | `None` | What was loaded. |" in table
