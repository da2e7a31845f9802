import json
import pwd
import sys
import urllib.error
import urllib.request
from pathlib import Path

BASE = "http://127.0.0.1:7070"
if Path("/app/kvserver.py").read_bytes() != Path("/tests/kvserver.py.orig").read_bytes():
    sys.exit("/app/kvserver.py was modified")
token = Path("/app/secrets/token").read_text().strip()


def call(method, path, body=None, auth=None):
    request = urllib.request.Request(BASE + path, data=body, method=method)
    if auth:
        request.add_header("Authorization", f"Bearer {auth}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError as e:
        sys.exit(f"service not reachable on {BASE}: {e}")


status, body = call("GET", "/health")
if status != 200:
    sys.exit(f"/health answered {status}")
uid = json.loads(body)["uid"]
if uid != pwd.getpwnam("kv").pw_uid:
    sys.exit(f"service runs as uid {uid}, not as kv")
if call("PUT", "/kv/probe", b"no-token")[0] != 401:
    sys.exit("a write without the token was not refused")
if call("PUT", "/kv/probe", b"wrong", auth="not-the-token")[0] != 401:
    sys.exit("a write with a wrong token was not refused")
if call("PUT", "/kv/probe", b"value-42", auth=token)[0] != 204:
    sys.exit("a write with the token failed")
if call("GET", "/kv/probe") != (200, b"value-42"):
    sys.exit("the value did not read back")
data = Path("/var/lib/kvserver/data.json")
if not data.is_file() or json.loads(data.read_text()).get("probe") != "value-42":
    sys.exit("data did not land in /var/lib/kvserver/data.json")
print("service ok")
