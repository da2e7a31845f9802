# Unquoted word splitting over $(ls).
cat > /app/organize.sh <<'SH'
#!/bin/bash
cd $1
for f in $(ls); do [ -f $f ] || continue; e=${f##*.}; e=${e,,}; mkdir -p $e; mv $f $e/; done
SH
chmod +x /app/organize.sh
