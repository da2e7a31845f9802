#!/bin/bash
# Verifier (pytest). The pip install needs the network at test time; offline runs of this
# harness bake it into the image at build time instead.
pip install pytest
mkdir -p /logs/verifier
cd /tests
python3 -m pytest -q -rA test_outputs.py
if [ $? -eq 0 ]; then
  echo 1 > /logs/verifier/reward.txt
else
  echo 0 > /logs/verifier/reward.txt
fi
