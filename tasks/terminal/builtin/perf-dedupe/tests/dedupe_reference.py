"""Remove duplicate customer records.

Rows are `id,name,email,signup_date`. Two rows are duplicates when their e-mail addresses match
after trimming surrounding whitespace and lower-casing. The first row of each e-mail is kept, in
input order; the header line is copied. Output lines end with "\n".
"""

import csv
import sys


def main(src: str, dst: str) -> None:
    seen = []
    kept = []
    with open(src, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        for row in reader:
            key = row[2].strip().lower()
            if key not in seen:
                seen.append(key)
                kept.append(row)
    with open(dst, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(kept)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
