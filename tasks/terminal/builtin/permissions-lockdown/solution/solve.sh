#!/bin/bash
set -euo pipefail
S=/srv/app
chown app:app $S/config/secret.env && chmod 600 $S/config/secret.env
chmod u-s,g-s $S/bin/helper && chmod 755 $S/bin/helper
chown root:root $S/scripts/backup.sh && chmod 755 $S/scripts/backup.sh
chown app:app $S/uploads && chmod 755 $S/uploads
