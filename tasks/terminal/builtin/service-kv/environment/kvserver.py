"""A tiny key-value HTTP service.

GET /health            -> {"ok": true, "uid": <uid of the process>}
GET /kv/<key>          -> the value (404 if absent)
PUT /kv/<key>  (body)  -> 204; needs `Authorization: Bearer <token>` when a token is configured
Configuration: the INI file named by $KV_CONFIG, default /etc/kvserver/kvserver.ini.
"""

import configparser
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

config = configparser.ConfigParser()
config.read(os.environ.get("KV_CONFIG", "/etc/kvserver/kvserver.ini"))
BIND = config.get("server", "bind")
PORT = config.getint("server", "port")
DATA = Path(config.get("storage", "data_file"))
TOKEN_FILE = config.get("auth", "token_file", fallback="")
TOKEN = Path(TOKEN_FILE).read_text().strip() if TOKEN_FILE else None
DATA.parent.mkdir(parents=False, exist_ok=True)
store = json.loads(DATA.read_text()) if DATA.exists() else {}


class Handler(BaseHTTPRequestHandler):
    def _send(self, code, body=b"", kind="text/plain"):
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/health":
            body = json.dumps({"ok": True, "uid": os.getuid()}).encode()
            return self._send(200, body, "application/json")
        key = self.path.removeprefix("/kv/")
        if self.path.startswith("/kv/") and key in store:
            return self._send(200, store[key].encode())
        self._send(404)

    def do_PUT(self):
        if not self.path.startswith("/kv/"):
            return self._send(404)
        if TOKEN and self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._send(401)
        length = int(self.headers.get("Content-Length", 0))
        store[self.path.removeprefix("/kv/")] = self.rfile.read(length).decode()
        DATA.write_text(json.dumps(store))
        self._send(204)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer((BIND, PORT), Handler).serve_forever()
