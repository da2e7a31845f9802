import csv
import sqlite3
from decimal import Decimal
from pathlib import Path

OUT = Path("/app/top_customers.csv")


def expected_rows():
    db = sqlite3.connect(":memory:")
    db.executescript(Path("/tests/seed.sql").read_text())
    totals = {}
    query = (
        "SELECT c.name, c.country, o.placed_at, o.status, o.amount_cents"
        " FROM orders o JOIN customers c ON c.id = o.customer_id"
    )
    for name, country, placed_at, status, cents in db.execute(query):
        if status.lower() != "paid" or not placed_at.startswith("2025-"):
            continue
        key = (name, country)
        totals[key] = totals.get(key, 0) + (cents or 0)
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0][0]))[:5]
    return [[n, c, f"{Decimal(t) / 100:.2f}"] for (n, c), t in ranked]


def test_file_exists():
    assert OUT.is_file(), "no /app/top_customers.csv"


def test_header():
    rows = list(csv.reader(OUT.read_text().splitlines()))
    assert rows[0] == ["name", "country", "total_eur"]


def test_rows_match_reference():
    rows = list(csv.reader(OUT.read_text().splitlines()))
    assert rows[1:] == expected_rows()
