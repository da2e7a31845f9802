import csv
import random
import subprocess
import sys
import time

sys.path.insert(0, "/tests")
import dedupe_reference  # noqa: E402

LIMIT_SEC = 8.0


def make(path: str, rows: int, unique: int, seed: int) -> None:
    rng = random.Random(seed)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "name", "email", "signup_date"])
        for i in range(rows):
            u = rng.randrange(unique)
            email = f"user{u}@example.com"
            if rng.random() < 0.3:
                email = f"  {email.upper()} "
            name = rng.choice(["Ana", "Bo", "O'Neil, Jr.", "Zoë", 'Kai "K"'])
            writer.writerow([i, name, email, f"2026-{rng.randint(1, 12):02d}-01"])


def run(src: str, dst: str, timeout: float) -> float:
    start = time.monotonic()
    try:
        subprocess.run(["python3", "/app/dedupe.py", src, dst], check=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        sys.exit(f"dedupe.py took more than {timeout} s")
    except subprocess.CalledProcessError as e:
        sys.exit(f"dedupe.py failed with exit code {e.returncode}")
    return time.monotonic() - start


for seed, rows, unique in [(1, 3000, 700), (2, 5000, 5000), (3, 4000, 10)]:
    make("/tmp/small.csv", rows, unique, seed)
    dedupe_reference.main("/tmp/small.csv", "/tmp/small.expected.csv")
    run("/tmp/small.csv", "/tmp/small.out.csv", 30)
    if open("/tmp/small.out.csv", "rb").read() != open("/tmp/small.expected.csv", "rb").read():
        sys.exit(f"output differs from the original script's (seed {seed})")
make("/tmp/big.csv", 200_000, 120_000, 9)
took = run("/tmp/big.csv", "/tmp/big.out.csv", LIMIT_SEC)
with open("/tmp/big.out.csv") as handle:
    lines = sum(1 for _ in handle)
keys = set()
with open("/tmp/big.csv", newline="") as handle:
    for row in list(csv.reader(handle))[1:]:
        keys.add(row[2].strip().lower())
if lines != len(keys) + 1:
    sys.exit(f"big file: {lines - 1} rows kept, expected {len(keys)}")
print(f"dedupe ok ({took:.2f} s for 200000 rows)")
