#!/bin/bash
# Verifier: compare /app/report.csv with totals computed from a pristine copy of the data.
mkdir -p /logs/verifier
if python3 /tests/check_report.py; then
  echo 1 > /logs/verifier/reward.txt
else
  echo 0 > /logs/verifier/reward.txt
fi
