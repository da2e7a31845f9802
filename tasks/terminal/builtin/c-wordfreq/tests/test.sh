#!/bin/bash
# Verifier: rebuild from wordfreq.c, compare with a reference on inputs the agent never saw.
mkdir -p /logs/verifier
if python3 /tests/check_wordfreq.py; then
  echo 1 > /logs/verifier/reward.txt
else
  echo 0 > /logs/verifier/reward.txt
fi
