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
