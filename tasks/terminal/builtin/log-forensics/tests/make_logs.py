"""Write the scenario's rotated access logs (deterministic) under the directory given."""

import datetime as dt
import gzip
import random
import sys
from pathlib import Path

TZ = dt.timezone(dt.timedelta(hours=1))


def lines():
    rng = random.Random(4242)
    start = dt.datetime(2026, 11, 16, 8, 0, 0, tzinfo=TZ)
    users = [f"10.0.{rng.randint(0, 9)}.{rng.randint(2, 250)}" for _ in range(40)]
    attacker, decoy = "203.0.113.77", "198.51.100.23"
    paths = ["/", "/static/app.js", "/api/items", "/login", "/logout", "/account"]
    events = []
    t = start
    for i in range(6000):
        t += dt.timedelta(seconds=rng.randint(5, 90))
        ip = rng.choice(users)
        path = rng.choice(paths)
        method = "POST" if path == "/login" and rng.random() < 0.5 else "GET"
        status = 200
        if path == "/login" and method == "POST":
            status = 401 if rng.random() < 0.2 else 200
        elif path == "/account" and rng.random() < 0.3:
            status = 401
        events.append((t, ip, method, path, status))
        if 1500 <= i < 2600 and rng.random() < 0.6:  # the attack, in the older (rotated) logs
            events.append((t + dt.timedelta(seconds=1), attacker, "POST", "/login", 401))
        if i == 2600:
            events.append((t + dt.timedelta(seconds=2), attacker, "POST", "/login", 200))
        if i > 5000 and rng.random() < 0.5:  # a noisy scanner in the current log
            m = rng.choice(["GET", "GET", "POST"])
            path = rng.choice(["/login", "/admin"])
            events.append((t + dt.timedelta(seconds=3), decoy, m, path, 401))
    events.sort(key=lambda e: e[0])
    for t, ip, method, path, status in events:
        stamp = t.strftime("%d/%b/%Y:%H:%M:%S %z")
        size = 200 + len(path) * 37
        yield f'{ip} - - [{stamp}] "{method} {path} HTTP/1.1" {status} {size} "-" "Mozilla/5.0"\n'


def main(target: str) -> None:
    out = Path(target)
    out.mkdir(parents=True, exist_ok=True)
    all_lines = list(lines())
    chunks = all_lines
    n = len(chunks)
    cuts = [0, n // 4, n // 2, 3 * n // 4, n]
    parts = [chunks[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]
    names = ["access.log.3.gz", "access.log.2.gz", "access.log.1", "access.log"]
    for name, part in zip(names, parts, strict=True):
        data = "".join(part).encode()
        if name.endswith(".gz"):
            (out / name).write_bytes(gzip.compress(data, mtime=0))
        else:
            (out / name).write_bytes(data)


if __name__ == "__main__":
    main(sys.argv[1])
