#!/bin/bash
set -euo pipefail
cat > /app/invoice/invoice/totals.py <<'PY'
"""Invoice totals.

Rules:
- A line is `quantity` x `unit_price` (prices are strings such as "19.99", in euros).
- A line's discount (a percentage, default 0) is taken off the line's net amount BEFORE tax.
- Tax (a percentage) is then added to the discounted amount.
- Each line's gross amount is rounded to cents, half-up (0.125 -> 0.13), and the invoice total
  is the sum of the rounded line amounts. Amounts are returned as strings with two decimals.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass
class Line:
    quantity: int
    unit_price: str
    tax_percent: str = "0"
    discount_percent: str = "0"


def line_total(line: Line) -> Decimal:
    net = line.quantity * Decimal(line.unit_price)
    discounted = net * (1 - Decimal(line.discount_percent) / 100)
    taxed = discounted * (1 + Decimal(line.tax_percent) / 100)
    return taxed.quantize(CENT, rounding=ROUND_HALF_UP)


def invoice_total(lines: list[Line]) -> str:
    return f"{sum((line_total(line) for line in lines), Decimal(0)):.2f}"
PY
cd /app/invoice && python3 -m pytest -q -p no:cacheprovider
