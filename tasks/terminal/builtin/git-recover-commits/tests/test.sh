#!/bin/bash
# Verifier: the ORIGINAL lost tip is in main's history, the hotfix survives, the tree is clean.
mkdir -p /logs/verifier
LOST_TIP=7f6746696b6299f9ce59999ddc98afc440022402
HOTFIX=7dd1642a3d7c0b93cfeebcaa3e7fb33fc558defa
fail() { echo "FAIL: $*"; echo 0 > /logs/verifier/reward.txt; exit 0; }
cd /app/repo || fail "no repository"
git config --global --add safe.directory /app/repo
git cat-file -e "$LOST_TIP^{commit}" 2>/dev/null || fail "lost commit object is gone"
git merge-base --is-ancestor "$LOST_TIP" main || fail "the original lost commits are not in main"
git merge-base --is-ancestor "$HOTFIX" main || fail "the hotfix commit is not in main"
readme=$(git show main:README.md) || fail "no README on main"
grep -q "Install with pip" <<<"$readme" || fail "hotfix change lost"
grep -q 'Usage: parse_flags("a=on,b=off")' <<<"$readme" || fail "documentation lost"
grep -Eq '^(<<<<<<<|>>>>>>>)' <<<"$readme" && fail "conflict markers left in README"
[ -z "$(git status --porcelain)" ] || fail "working tree not clean"
git show main:parser.py > /tmp/parser_check.py || fail "no parser.py on main"
python3 - <<'PY' || fail "parse_flags does not work"
import importlib.util
spec = importlib.util.spec_from_file_location("p", "/tmp/parser_check.py")
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
assert mod.parse_flags("a=on, b=off,,c=YES") == {"a": True, "b": False, "c": True}
PY
echo "repository ok"
echo 1 > /logs/verifier/reward.txt
