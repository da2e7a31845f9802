#!/bin/bash
# Verifier: a clean rebuild with the task's own Makefile, flags intact, right numbers.
mkdir -p /logs/verifier
fail() { echo "FAIL: $*"; echo 0 > /logs/verifier/reward.txt; exit 0; }
cd /app/calc || fail "no /app/calc"
grep -Eq '^CFLAGS[[:space:]]*[:+]?=.*-Wall' Makefile && grep -Eq '^CFLAGS[[:space:]]*[:+]?=.*-Werror' Makefile \
  || fail "-Wall -Werror were removed from CFLAGS"
make clean >/dev/null 2>&1
rm -f calc src/*.o
make 2>&1 || fail "make failed"
[ -x calc ] || fail "make did not produce ./calc"
out=$(./calc 1 2 3 4) || fail "calc crashed"
[ "$out" = "mean=2.5000 stddev=1.1180" ] || fail "calc 1 2 3 4 printed '$out'"
out=$(./calc 10 -10 10 -10 3) || fail "calc crashed"
[ "$out" = "mean=0.6000 stddev=9.0244" ] || fail "calc 10 -10 10 -10 3 printed '$out'"
make test | grep -q PASS || fail "make test did not pass"
echo "build ok"
echo 1 > /logs/verifier/reward.txt
