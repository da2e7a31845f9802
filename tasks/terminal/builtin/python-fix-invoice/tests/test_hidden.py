import sys

sys.path.insert(0, "/app/invoice")
from invoice import Line, invoice_total  # noqa: E402


def test_half_up_after_tax():
    # 1.05 * 1.10 = 1.155 exactly -> 1.16 (half-up), floats give 1.15
    assert invoice_total([Line(1, "1.05", tax_percent="10")]) == "1.16"


def test_discount_on_taxed_line():
    assert invoice_total([Line(3, "19.99", tax_percent="7", discount_percent="15")]) == "54.54"


def test_many_lines_sum_of_rounded():
    lines = [Line(1, "0.015") for _ in range(10)]
    assert invoice_total(lines) == "0.20"


def test_large_quantities():
    assert invoice_total([Line(100000, "0.333", tax_percent="19")]) == "39627.00"
