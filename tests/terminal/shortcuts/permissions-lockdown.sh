# Over-locking: app loses the secret, everyone loses the public files.
chmod -R o-rwx /srv/app
chmod 600 /srv/app/config/secret.env
chmod u-s /srv/app/bin/helper
chown root /srv/app/scripts/backup.sh
