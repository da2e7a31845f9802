#!/bin/bash
set -euo pipefail
cat > /app/organize.sh <<'SH'
#!/bin/bash
# Sort the regular, non-hidden files directly in DIR into DIR/<lower-cased extension>/.
set -u
dir=${1:?usage: organize.sh DIR}
cd -- "$dir" || exit 1
for f in *; do
  [ -f "$f" ] && [ ! -L "$f" ] || continue
  case "$f" in
    *.*) ext=${f##*.} ;;
    *) ext="" ;;
  esac
  ext=$(printf '%s' "$ext" | tr '[:upper:]' '[:lower:]')
  [ -n "$ext" ] || ext=noext
  [ "$ext" = "$f" ] && ext=noext
  if [ -e "$ext/$f" ]; then
    printf '%s\n' "$f" >&2
    continue
  fi
  mkdir -p -- "$ext"
  mv -- "$f" "$ext/"
done
exit 0
SH
chmod +x /app/organize.sh
