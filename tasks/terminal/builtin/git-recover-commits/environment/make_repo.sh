#!/bin/bash
# Build the scenario with fixed identities and dates, so commit ids are the same on every build.
set -euo pipefail
export GIT_AUTHOR_NAME="Dana Ruiz" GIT_AUTHOR_EMAIL="dana@example.com"
export GIT_COMMITTER_NAME="Dana Ruiz" GIT_COMMITTER_EMAIL="dana@example.com"
at() { export GIT_AUTHOR_DATE="2026-01-0$1T10:00:00Z" GIT_COMMITTER_DATE="2026-01-0$1T10:00:00Z"; }
git init -q -b main /app/repo && cd /app/repo
git config user.name "Dana Ruiz" && git config user.email "dana@example.com"
at 1; printf 'flagkit\n=======\n\nTiny feature flag helpers.\nInstal with pip.\n' > README.md
git add README.md && git commit -q -m "Initial README"
at 2; printf 'def enabled(flags, name):\n    return flags.get(name, False)\n' > flags.py
git add flags.py && git commit -q -m "Add enabled() helper"
at 3; cat > parser.py <<'PY'
def parse_flags(text):
    """'a=on,b=off' -> {'a': True, 'b': False}"""
    flags = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = item.partition("=")
        flags[name.strip()] = value.strip().lower() in ("on", "true", "1", "yes")
    return flags
PY
git add parser.py && git commit -q -m "Add feature flag parser"
at 4; printf '\nUsage: parse_flags("a=on,b=off")\n' >> README.md
git add README.md && git commit -q -m "Document parse_flags"
git rev-parse HEAD > /tmp/lost_tip
git reset -q --hard HEAD~2
at 5; sed -i 's/Instal with pip/Install with pip/' README.md
git add README.md && git commit -q -m "Hotfix: typo in README"
