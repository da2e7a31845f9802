import csv
import sys
from collections import defaultdict
from decimal import Decimal

totals = defaultdict(Decimal)
with open("/tests/sales.csv", newline="") as handle:
    for row in csv.DictReader(handle):
        totals[row["region"]] += Decimal(row["amount"])
expected = [["region", "total"]] + [
    [region, f"{total:.2f}"]
    for region, total in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
]
try:
    with open("/app/report.csv", newline="") as handle:
        text = handle.read()
except OSError as e:
    sys.exit(f"no report: {e}")
found = list(csv.reader(text.splitlines()))
if found != expected:
    sys.exit(f"report differs:\nexpected {expected}\nfound    {found}")
if '"North, East"' not in text:
    sys.exit("the region with a comma is not quoted")
print("report ok")
