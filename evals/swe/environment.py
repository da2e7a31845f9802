"""Instance images built offline from a local recipe, with no route to the fix.

The repository given as a bundle or a path may hold the future (the fix commit, tags, remotes).
The image gets a NEW repository made by fetching only `base_commit` into an empty one: the
object store then holds base_commit and its ancestors and nothing else; there are no remotes,
tags, reflogs, packed refs or stashes. The test patch never enters the image.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from longcat_evals.evals.swe.schema import InstanceError, SweInstance
from longcat_evals.progress import Progress, progress
from longcat_evals.sandboxes import images
from longcat_evals.sandboxes.errors import ImageBuildError, SandboxSetupError
from longcat_evals.sandboxes.state import state_dir

BASE_BRANCH = "main"
GIT_IDENTITY = ["-c", "user.name=longcat-evals", "-c", "user.email=evals@longcat.invalid"]
GIT_TIMEOUT_SEC = 300

# Run in the agent's container before the agent starts (prebuilt images may carry the future):
# keep HEAD's commit on one branch, drop every other ref, remote, reflog and stash, then prune
# every object that is no longer reachable. Checkouts of the repository OUTSIDE the workdir
# (linked worktrees, copies with their own .git, bare clones) may hold later commits' files:
# they are removed (a copy is recognised by holding the workdir's root commit), and so are git
# bundles. A plain copy of later source files without git metadata cannot be recognised.
SCRUB_SCRIPT = """
set -e
cd "$1"
workdir=$(pwd -P)
git config --global --add safe.directory '*'
head=$(git rev-parse HEAD)
roots=$(git rev-list --max-parents=0 HEAD)
common=$(cd "$(git rev-parse --git-common-dir)" && pwd -P)
git worktree list --porcelain | sed -n 's/^worktree //p' | while IFS= read -r tree; do
  if [ "$tree" != "$workdir" ]; then rm -rf -- "$tree"; fi
done
find / -xdev \\( -path /proc -o -path /sys -o -path /dev -o -path "$workdir" \\) -prune -o \\
  \\( -name .git -o -name '*.git' -o -name '*.bundle' \\) -print 2>/dev/null | \\
  while IFS= read -r found; do
  # Git bundles hold whole histories; an agent never needs one.
  case "$found" in *.bundle)
    if head -c 16 "$found" 2>/dev/null | grep -q '^# v[23] git bundle'; then rm -f -- "$found"; fi
    continue ;;
  esac
  case "$found" in */.git) repo=${found%/.git} ;; *) repo=$found ;; esac
  # Never the root, and never the repository the workdir's own .git belongs to.
  case "$common/" in "$repo"/*) continue ;; esac
  [ -n "$repo" ] && [ "$repo" != / ] || continue
  for root in $roots; do
    if git -C "$repo" cat-file -e "$root^{commit}" 2>/dev/null; then
      rm -rf -- "$repo"
      break
    fi
  done
done
for ref in $(git for-each-ref --format='%(refname)'); do git update-ref -d "$ref"; done
for remote in $(git remote); do git remote remove "$remote"; done
git update-ref refs/heads/{branch} "$head"
git symbolic-ref HEAD refs/heads/{branch}
# Linked worktrees' HEADs, .keep packs and alternates would keep objects alive through gc;
# rr-cache holds recorded conflict resolutions (file contents of other commits).
rm -rf .git/logs .git/refs/original .git/refs/remotes .git/refs/tags .git/refs/stash \\
  .git/packed-refs .git/FETCH_HEAD .git/ORIG_HEAD .git/MERGE_HEAD .git/shallow \\
  .git/objects/info/alternates .git/refs/replace .git/refs/notes .git/worktrees \\
  .git/rebase-merge .git/rebase-apply .git/sequencer .git/objects/pack/*.keep .git/rr-cache
git reflog expire --expire=now --all
git -c gc.reflogExpire=now -c gc.reflogExpireUnreachable=now gc --prune=now --quiet
""".replace("{branch}", BASE_BRANCH)


def _git(*args: str, cwd: Path | None = None) -> str:
    result = subprocess.run(
        ["git", *GIT_IDENTITY, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=GIT_TIMEOUT_SEC,
    )
    if result.returncode != 0:
        raise SandboxSetupError(
            f"git {' '.join(args[:3])} failed: {result.stderr.strip().splitlines()[-1:]}"
        )
    return result.stdout


def clean_checkout(source: Path, base_commit: str, dest: Path, instance_id: str) -> None:
    """A fresh repository at DEST holding only BASE_COMMIT and its history (see module doc)."""
    if not source.exists():
        raise InstanceError(
            f"instance {instance_id}: field environment.repo_source: {source} does not exist"
        )
    with tempfile.TemporaryDirectory(dir=state_dir(), prefix="swe-src-") as tmp:
        staging = Path(tmp) / "src"
        # A bare clone of a bundle or a repo path: never touch the user's repository.
        try:
            _git("clone", "--quiet", "--bare", "--no-local", str(source), str(staging))
        except SandboxSetupError as e:
            raise InstanceError(
                f"instance {instance_id}: field environment.repo_source: {source} is not a git "
                f"bundle or repository ({e})"
            ) from None
        try:
            full = _git("rev-parse", "--verify", f"{base_commit}^{{commit}}", cwd=staging).strip()
        except SandboxSetupError:
            raise InstanceError(
                f"instance {instance_id}: field base_commit: {base_commit} is not in {source}"
            ) from None
        _git("update-ref", "refs/heads/longcat-swe-base", full, cwd=staging)
        dest.mkdir(parents=True)
        _git("init", "--quiet", "--initial-branch", BASE_BRANCH, str(dest))
        _git(
            "fetch", "--quiet", "--no-tags", "--update-head-ok", str(staging),
            f"longcat-swe-base:{BASE_BRANCH}", cwd=dest,
        )  # fmt: skip
    _git("reset", "--quiet", "--hard", BASE_BRANCH, cwd=dest)
    _git("reflog", "expire", "--expire=now", "--all", cwd=dest)
    _git("gc", "--prune=now", "--quiet", cwd=dest)
    for leftover in ("logs", "FETCH_HEAD", "ORIG_HEAD", "hooks"):
        subprocess.run(["rm", "-rf", str(dest / ".git" / leftover)], check=True)


def dockerfile(toolchain_tag: str, workdir: str, setup: list[str]) -> str:
    lines = [
        f"FROM {toolchain_tag}",
        f"COPY repo {workdir}",
        f"WORKDIR {workdir}",
        "RUN git config --global --add safe.directory '*'",
    ]
    lines += [f"RUN {cmd}" for cmd in setup]
    # Setup may leave build products; the tree must still read as base_commit to git.
    lines.append("RUN git status --porcelain --untracked-files=no | (! grep -q .)")
    return "\n".join(lines) + "\n"


def local_image_tag(instance: SweInstance, toolchain_tag: str) -> str:
    env = instance.environment
    assert env is not None
    source = Path(env.repo_source)
    digest = images.hash_inputs(
        source, instance.base_commit, toolchain_tag, instance.workdir, "\n".join(env.setup)
    )
    name = instance.instance_id.lower().replace("__", "-")
    return images.tag_for(f"swe-{name}", digest)


def ensure_local_image(instance: SweInstance, log: Progress = progress) -> str:
    """Build (once per recipe hash) the image of a local instance and return its tag."""
    env = instance.environment
    if env is None:
        raise InstanceError(f"instance {instance.instance_id}: field environment: missing")
    source = Path(env.repo_source)
    if not source.exists():  # before hashing it into the tag
        raise InstanceError(
            f"instance {instance.instance_id}: field environment.repo_source: {source} does not "
            "exist"
        )
    toolchain_tag = images.ensure_toolchain(env.toolchain, log=log)
    tag = local_image_tag(instance, toolchain_tag)
    with images._lock(tag.split(":")[0]):
        if images.image_exists(tag):
            return tag
        with tempfile.TemporaryDirectory(dir=state_dir(), prefix="swe-ctx-") as tmp:
            context = Path(tmp)
            clean_checkout(source, instance.base_commit, context / "repo", instance.instance_id)
            recipe = dockerfile(toolchain_tag, instance.workdir, env.setup)
            (context / "Dockerfile").write_text(recipe)
            try:
                images.build_image(
                    tag,
                    context,
                    labels={images.RECIPE_LABEL: f"swe:{instance.instance_id}"},
                    network="none",
                    log=log,
                    what=f"SWE instance {instance.instance_id}",
                )
            except ImageBuildError as e:
                raise ImageBuildError(f"instance {instance.instance_id}: {e}") from None
    return tag


def scrub_command(workdir: str) -> list[str]:
    return ["bash", "-c", SCRUB_SCRIPT, "scrub", workdir]
