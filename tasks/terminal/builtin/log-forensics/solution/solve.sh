#!/bin/bash
set -euo pipefail
cd /var/log/webapp
# Every log, compressed or not; only POST /login lines; field 1 = IP, 4-5 = time, 9 = status.
zcat -f access.log* | awk '$6 == "\"POST" && $7 == "/login"' > /tmp/login.txt
ip=$(awk '$9 == 401 {print $1}' /tmp/login.txt | sort | uniq -c | sort -rn | awk 'NR==1 {print $2}')
count=$(awk -v ip="$ip" '$1 == ip && $9 == 401' /tmp/login.txt | wc -l)
stamp=$(awk -v ip="$ip" '$1 == ip && $9 == 200 {print $4, $5}' /tmp/login.txt | tr -d '[]' | head -1)
python3 - "$ip" "$count" "$stamp" <<'PY'
import datetime as dt, json, sys
ip, count, stamp = sys.argv[1], int(sys.argv[2]), sys.argv[3]
t = dt.datetime.strptime(stamp, "%d/%b/%Y:%H:%M:%S %z").astimezone(dt.timezone.utc)
json.dump({"ip": ip, "failed_attempts": count, "first_success": t.strftime("%Y-%m-%dT%H:%M:%SZ")},
          open("/app/incident.json", "w"))
PY
cat /app/incident.json
