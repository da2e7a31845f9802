#!/bin/bash
# Verifier: check effective access as the users concerned, not just mode bits.
mkdir -p /logs/verifier
fail() { echo "FAIL: $*"; echo 0 > /logs/verifier/reward.txt; exit 0; }
as() { local user=$1; shift; runuser -u "$user" -- "$@"; }
S=/srv/app
as app cat $S/config/secret.env | grep -q DB_PASSWORD || fail "app cannot read secret.env"
as intern cat $S/config/secret.env >/dev/null 2>&1 && fail "intern can read secret.env"
as nobody cat $S/config/secret.env >/dev/null 2>&1 && fail "nobody can read secret.env"
[ -u $S/bin/helper ] && fail "helper is still setuid"
[ -g $S/bin/helper ] && [ "$(stat -c %G $S/bin/helper)" = root ] && fail "helper is setgid root"
echo ping > /tmp/ping.txt && chmod 644 /tmp/ping.txt
[ "$(as app $S/bin/helper /tmp/ping.txt)" = ping ] || fail "app cannot run helper"
as intern $S/bin/helper $S/config/secret.env >/dev/null 2>&1 && fail "helper still reads secret.env for intern"
[ "$(stat -c %U $S/scripts/backup.sh)" = root ] || fail "backup.sh is not owned by root"
as app sh -c "echo x >> $S/scripts/backup.sh" 2>/dev/null && fail "app can modify backup.sh"
as intern sh -c "echo x >> $S/scripts/backup.sh" 2>/dev/null && fail "intern can modify backup.sh"
[ -x $S/scripts/backup.sh ] || fail "backup.sh is not executable"
as app touch $S/uploads/a 2>/dev/null || fail "app cannot write uploads"
as intern touch $S/uploads/b 2>/dev/null && fail "intern can write uploads"
as nobody cat $S/public/index.html | grep -q hello || fail "public files are no longer readable"
as intern cat $S/public/index.html | grep -q hello || fail "public files are no longer readable"
echo "lockdown ok"
echo 1 > /logs/verifier/reward.txt
