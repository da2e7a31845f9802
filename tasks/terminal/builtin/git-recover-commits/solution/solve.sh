#!/bin/bash
set -euo pipefail
cd /app/repo
# The lost tip is the reflog entry before the reset ("Document parse_flags").
lost=$(git log -g --format='%H %gs %s' | awk '/Document parse_flags/ {print $1; exit}')
git merge --no-edit "$lost" || true
# README conflicts (hotfix edited the line the docs commit appended after): keep both changes.
git show "$lost":README.md | sed 's/Instal with pip/Install with pip/' > README.md
git add README.md
git -c core.editor=true commit --no-edit -q || true
git status --porcelain
