#!/bin/sh
# Installs the offline uv kit copied to /opt/longcat-evals/uv (run once, as root, at build):
# the curl shim goes first on PATH (an existing /usr/local/bin/curl is kept as curl.real).
set -eu
kit=/opt/longcat-evals/uv
if [ -e /usr/local/bin/curl ] && ! cmp -s /usr/local/bin/curl "$kit/curl"; then
  mv /usr/local/bin/curl "$kit/curl.real"
fi
mkdir -p /usr/local/bin /var/log/longcat-evals /opt/longcat-evals/uv-cache
cp "$kit/curl" /usr/local/bin/curl
chmod 755 /usr/local/bin/curl "$kit"/[0-9]*/uv "$kit"/[0-9]*/uvx
chmod 1777 /var/log/longcat-evals
