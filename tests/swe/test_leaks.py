"""The agent's container has no route to the fix.

Checked twice: on a built-in image as built (the bundle holds the fix commit, a tag and more
history than base_commit), and on an image made like the official ones, with the fix commit,
a tag, a remote, a stash and reflogs in /testbed, after the `hide_future` scrub ran in it.
In both: `git log --all`, `git reflog`, `git fsck --lost-found` and the object store show
nothing after base_commit, the gold patch's new file contents are not in the object store, and
the test patch's files are at their base versions.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest

from longcat_evals.evals.swe.environment import scrub_command
from longcat_evals.sandboxes import images
from longcat_evals.tasks.swe import BUILTIN_DIR

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _sh(container: str, script: str) -> str:
    result = subprocess.run(
        ["docker", "exec", "--workdir", "/testbed", container, "bash", "-c", script],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def _start(image: str) -> str:
    out = subprocess.run(
        ["docker", "run", "-d", "--network", "none", "--entrypoint", "sleep", image, "infinity"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return out.stdout.strip()


def _fix_blobs(bundle: Path, fix_ref: str = "main") -> tuple[str, set[str]]:
    """(fix commit, blob ids of every file the fix commit changed) from the full history."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["git", "clone", "-q", str(bundle), tmp], check=True)
        fix = subprocess.run(
            ["git", "rev-parse", fix_ref], cwd=tmp, capture_output=True, text=True, check=True
        ).stdout.strip()
        tree = subprocess.run(
            ["git", "diff-tree", "-r", "--no-commit-id", fix],
            cwd=tmp, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    return fix, {line.split()[3] for line in tree.splitlines()}


def assert_no_route_to_fix(container: str, base: str, fix: str, fix_blobs: set[str]) -> None:
    assert _sh(container, "git rev-parse HEAD").strip() == base
    history = set(_sh(container, f"git rev-list {base}").split())
    assert set(_sh(container, "git log --all --format=%H").split()) == history
    assert _sh(container, "git reflog --all").strip() == ""
    assert _sh(container, "git remote").strip() == ""
    assert _sh(container, "git tag").strip() == ""
    assert _sh(container, "git stash list").strip() == ""
    packed = _sh(container, "cat .git/packed-refs 2>/dev/null || true").splitlines()
    packed_ids = {line.split()[0].lstrip("^") for line in packed if not line.startswith("#")}
    assert packed_ids <= {base}, packed
    fsck = "git fsck --lost-found --no-reflogs 2>&1; find .git/lost-found -type f 2>/dev/null"
    lost = _sh(container, fsck + "; true")
    assert "dangling" not in lost and "unreachable" not in lost and "lost-found/" not in lost
    objects = _sh(
        container, "git cat-file --batch-all-objects --batch-check='%(objectname) %(objecttype)'"
    )
    commits = {line.split()[0] for line in objects.splitlines() if line.endswith(" commit")}
    assert commits == history
    all_ids = {line.split()[0] for line in objects.splitlines()}
    assert fix not in all_ids
    assert not fix_blobs & all_ids, "a post-fix file version is in the object store"
    assert _sh(container, "git status --porcelain --untracked-files=no").strip() == ""


@pytest.fixture(scope="module")
def inikit(builtin):
    return builtin["longcat__inikit-12"]


def test_built_image_has_no_route_to_the_fix(inikit):
    fix, blobs = _fix_blobs(BUILTIN_DIR / "repos" / "inikit.bundle")
    container = _start(inikit.image)
    try:
        assert_no_route_to_fix(container, inikit.base_commit, fix, blobs)
        # The test patch's new tests are not visible before grading.
        assert "test_inline_comment_semicolon" not in _sh(container, "cat tests/test_parser.py")
        search = "git grep -c test_inline_comment_hash $(git rev-list --all) || true"
        assert _sh(container, search) == ""
    finally:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True)


def test_scrub_removes_future_history_from_an_official_style_image(inikit, tmp_path):
    """An image like the official ones: full clone with the future, remote, tag, stash, reflog."""
    bundle = BUILTIN_DIR / "repos" / "inikit.bundle"
    fix, blobs = _fix_blobs(bundle)
    context = tmp_path / "ctx"
    context.mkdir()
    subprocess.run(["cp", str(bundle), str(context / "repo.bundle")], check=True)
    (context / "Dockerfile").write_text(
        f"FROM {images.ensure_toolchain('python', log=lambda _: None)}\n"
        "COPY repo.bundle /repo.bundle\n"
        "RUN git clone -q /repo.bundle /testbed && cd /testbed \\\n"
        " && git config user.email a@b.c && git config user.name a \\\n"
        " && git checkout -q -b future && git checkout -q main \\\n"
        f" && git reset -q --hard {inikit.base_commit} \\\n"
        " && echo scratch >> README.md && git stash -q \\\n"
        " && git worktree add -q /future-tree future && git repack -a -d -q \\\n"
        " && touch $(ls .git/objects/pack/*.pack | sed 's/pack$/keep/') \\\n"
        " && git remote add upstream https://example.invalid/inikit.git && git pack-refs --all \\\n"
        # Routes outside .git's refs: recorded resolutions, a copy and a bare clone elsewhere.
        " && mkdir -p .git/rr-cache/abc && echo future > .git/rr-cache/abc/postimage \\\n"
        " && cp -a /testbed /opt/testbed-copy && git clone -q --bare /repo.bundle /srv/inikit.git\n"
        "RUN mkdir /unrelated && cd /unrelated && git init -q && git -c user.email=a@b.c \\\n"
        " -c user.name=a commit -q --allow-empty -m other\n"
    )
    tag = f"longcat-evals/swe-leaktest:{inikit.base_commit[:12]}"
    images.build_image(tag, context, network="none", log=lambda _: None)
    container = _start(tag)
    try:
        before = _sh(container, "git log --all --format=%H")
        assert fix in before, "the stand-in image should carry the future before the scrub"
        scrub = ["docker", "exec", container, *scrub_command("/testbed")]
        result = subprocess.run(scrub, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert_no_route_to_fix(container, inikit.base_commit, fix, blobs)
        gone = "/future-tree /opt/testbed-copy /srv/inikit.git /repo.bundle .git/rr-cache"
        assert _sh(container, f"ls -d {gone} 2>/dev/null; true").strip() == ""
        # A repository of another project is left alone.
        assert _sh(container, "git -C /unrelated log --format=%s").strip() == "other"
    finally:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True)
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)
