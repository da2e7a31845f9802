#!/bin/bash
# Verifier (pytest): the package's own tests, unchanged, plus hidden cases.
pip install pytest
mkdir -p /logs/verifier
ok=1
echo "$(cat /tests/visible_tests.sha256)  /app/invoice/tests/test_totals.py" | sha256sum -c - || ok=0
cd /app/invoice && python3 -m pytest -q -rA tests /tests/test_hidden.py -p no:cacheprovider || ok=0
echo $ok > /logs/verifier/reward.txt
