# Fast, but sorted and keyed on the whole line.
cat > /app/dedupe.py <<'PY'
import sys

lines = open(sys.argv[1]).read().splitlines()
open(sys.argv[2], "w").write("\n".join([lines[0]] + sorted(set(lines[1:]))) + "\n")
PY
