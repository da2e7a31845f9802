#!/bin/bash
set -euo pipefail
cp /solution/conf2json.py /app/conf2json.py
python3 /app/conf2json.py /app/examples/app.conf /tmp/app.json && cat /tmp/app.json
