import random
import re
import subprocess
import sys
from collections import Counter

SRC = "/app/src"


def reference(text: str, n: int) -> str:
    counts = Counter(w.lower() for w in re.findall(r"[A-Za-z]+", text))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return "".join(f"{c} {w}\n" for w, c in ranked)


def run(path: str, n: int) -> str:
    result = subprocess.run(
        [f"{SRC}/wordfreq", path, str(n)], capture_output=True, text=True, timeout=20
    )
    if result.returncode != 0:
        sys.exit(f"wordfreq exited {result.returncode}: {result.stderr[-300:]}")
    return result.stdout


build = subprocess.run(["make", "-B", "-C", SRC], capture_output=True, text=True)
if build.returncode != 0:
    sys.exit(f"build failed: {build.stdout[-500:]}{build.stderr[-500:]}")
rng = random.Random(7)
vocab = ["alpha", "Beta", "gamma", "DELTA", "the", "The", "THE", "omega", "zeta", "eta"]
cases = {
    "ties": "b a c b a c d\n",
    "case": "The the THE tHe cat Cat dog\n",
    "long": "x" * 10000 + " short " + "Y" * 5000 + " short\n",
    "mixed": " ".join(rng.choice(vocab) for _ in range(5000)) + "\nend-of-file x1y2z3\n",
    "bytes": "caf\u00e9 na\u00efve r\u00e9sum\u00e9 cafe\n",
}
for name, text in cases.items():
    path = f"/tmp/wordfreq_{name}.txt"
    with open(path, "w") as handle:
        handle.write(text)
    for n in (3, 50):
        got, want = run(path, n), reference(text, n)
        if got != want:
            sys.exit(f"case {name} N={n}: expected {want[:300]!r}, got {got[:300]!r}")
print("wordfreq ok")
