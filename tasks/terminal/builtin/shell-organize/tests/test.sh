#!/bin/bash
# Verifier: run the agent's script on a fixture it has never seen, twice.
mkdir -p /logs/verifier
fail() { echo "FAIL: $*"; echo 0 > /logs/verifier/reward.txt; exit 0; }
[ -x /app/organize.sh ] || fail "/app/organize.sh missing or not executable"
D=$(mktemp -d /tmp/fixture.XXXX)
cd "$D"
for f in "report.PDF" "my photo.JPG" "archive.tar.gz" "README" "notes.txt" "weird*name.txt" \
         "-dash.txt" "a.TXT" ".hidden" "Makefile" "trailing.dot." "x.y.Z"; do
  printf 'content of %s\n' "$f" > "./$f"
done
mkdir keep && echo inner > keep/inner.txt
mkdir txt && echo "old notes" > txt/notes.txt
(/app/organize.sh "$D" 2>/tmp/err1) || fail "first run exited non-zero"
check() { [ -f "$D/$1" ] || fail "expected $1"; grep -qxF "content of $2" "$D/$1" || fail "wrong content in $1"; }
check "pdf/report.PDF" "report.PDF"
check "jpg/my photo.JPG" "my photo.JPG"
check "gz/archive.tar.gz" "archive.tar.gz"
check "noext/README" "README"
check "noext/Makefile" "Makefile"
check "txt/weird*name.txt" "weird*name.txt"
check "txt/-dash.txt" "-dash.txt"
check "txt/a.TXT" "a.TXT"
check "z/x.y.Z" "x.y.Z"
check "notes.txt" "notes.txt"
grep -qx "old notes" "$D/txt/notes.txt" || fail "existing txt/notes.txt was overwritten"
grep -q "notes.txt" /tmp/err1 || fail "the conflicting file was not reported on stderr"
check ".hidden" ".hidden"
[ -f "$D/keep/inner.txt" ] && [ ! -e "$D/txt/inner.txt" ] || fail "sub-directory contents moved"
[ ! -e "$D/txt/keep" ] && [ -d "$D/keep" ] || fail "sub-directory moved"
# trailing.dot. has an empty extension: either noext/ or left alone is not specified; accept noext only
[ -f "$D/noext/trailing.dot." ] || [ -f "$D/trailing.dot." ] || fail "trailing.dot. lost"
before=$(cd "$D" && find . | sort | md5sum)
(/app/organize.sh "$D" 2>/dev/null) || fail "second run exited non-zero"
after=$(cd "$D" && find . | sort | md5sum)
[ "$before" = "$after" ] || fail "second run changed the tree"
echo "organize ok"
echo 1 > /logs/verifier/reward.txt
