from invoice import Line, invoice_total


def test_single_line():
    assert invoice_total([Line(2, "10.00")]) == "20.00"


def test_tax():
    assert invoice_total([Line(1, "100.00", tax_percent="19")]) == "119.00"


def test_discount_before_tax():
    assert invoice_total([Line(1, "100.00", tax_percent="20", discount_percent="10")]) == "108.00"


def test_half_up():
    assert invoice_total([Line(1, "0.125")]) == "0.13"
