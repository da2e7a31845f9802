import datetime as dt
import gzip
import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, "/tests")
import make_logs  # noqa: E402

make_logs.main("/tmp/pristine-logs")
LINE = re.compile(r'^(\S+) \S+ \S+ \[([^\]]+)\] "(\S+) (\S+) [^"]*" (\d{3})')
events = []
for path in sorted(Path("/tmp/pristine-logs").iterdir()):
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    for line in data.decode().splitlines():
        m = LINE.match(line)
        if m:
            events.append(m.groups())
failed = Counter(
    ip for ip, _, method, p, status in events if (method, p, status) == ("POST", "/login", "401")
)
ip, count = failed.most_common(1)[0]
successes = sorted(
    dt.datetime.strptime(t, "%d/%b/%Y:%H:%M:%S %z")
    for i, t, method, p, status in events
    if i == ip and (method, p, status) == ("POST", "/login", "200")
)
expected = {
    "ip": ip,
    "failed_attempts": count,
    "first_success": successes[0].astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
}
try:
    found = json.loads(Path("/app/incident.json").read_text())
except (OSError, ValueError) as e:
    sys.exit(f"no readable /app/incident.json: {e}")
if found != expected:
    sys.exit(f"expected {expected}, found {found}")
print("incident ok")
