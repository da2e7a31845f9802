#!/bin/bash
set -euo pipefail
python3 - <<'PY'
import csv
from collections import defaultdict
from decimal import Decimal

totals = defaultdict(Decimal)
with open("/app/sales.csv", newline="") as handle:
    for row in csv.DictReader(handle):
        totals[row["region"]] += Decimal(row["amount"])
with open("/app/report.csv", "w", newline="") as handle:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(["region", "total"])
    for region, total in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])):
        writer.writerow([region, f"{total:.2f}"])
PY
