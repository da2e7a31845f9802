"""Invoice totals.

Rules:
- A line is `quantity` x `unit_price` (prices are strings such as "19.99", in euros).
- A line's discount (a percentage, default 0) is taken off the line's net amount BEFORE tax.
- Tax (a percentage) is then added to the discounted amount.
- Each line's gross amount is rounded to cents, half-up (0.125 -> 0.13), and the invoice total
  is the sum of the rounded line amounts. Amounts are returned as strings with two decimals.
"""

from dataclasses import dataclass


@dataclass
class Line:
    quantity: int
    unit_price: str
    tax_percent: str = "0"
    discount_percent: str = "0"


def line_total(line: Line) -> float:
    net = line.quantity * float(line.unit_price)
    taxed = net * (1 + float(line.tax_percent) / 100)
    discounted = taxed - net * float(line.discount_percent) / 100
    return round(discounted, 2)


def invoice_total(lines: list[Line]) -> str:
    return f"{sum(line_total(line) for line in lines):.2f}"
