import json
import subprocess
import sys

sys.path.insert(0, "/tests")
import reference  # noqa: E402

for path in ["/app/examples/app.conf", "/tests/hidden1.conf", "/tests/hidden2.conf"]:
    out = "/tmp/conf_out.json"
    result = subprocess.run(
        ["python3", "/app/conf2json.py", path, out], capture_output=True, text=True, timeout=20
    )
    if result.returncode != 0:
        sys.exit(f"{path}: converter failed: {result.stderr[-400:]}")
    expected = reference.convert(open(path).read())
    try:
        found = json.load(open(out))
    except (OSError, ValueError) as e:
        sys.exit(f"{path}: no JSON written: {e}")
    if found != expected or list(found) != list(expected):
        sys.exit(f"{path}: expected {json.dumps(expected)}\nfound {json.dumps(found)}")
print("converter ok")
