#!/bin/bash
set -euo pipefail
ini=/etc/kvserver/kvserver.ini
sed -i 's/^port = .*/port = 7070/' $ini
sed -i 's|^data_file = .*|data_file = /var/lib/kvserver/data.json|' $ini
sed -i 's|^token_file =.*|token_file = /app/secrets/token|' $ini
install -d -o kv -g kv -m 750 /var/lib/kvserver
chown kv /app/secrets/token
# Detached from this shell, as kv; logs to a file so nothing holds the session open.
setsid -f runuser -u kv -- python3 /app/kvserver.py > /var/log/kvserver.log 2>&1 < /dev/null
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:7070/health', timeout=1)" 2>/dev/null && exit 0
  sleep 0.2
done
cat /var/log/kvserver.log
exit 1
