# The project's base: Debian 12 (pulled debian:bookworm-slim, or a local debootstrap import)
# plus the host's CA bundle, so HTTPS works behind TLS-intercepting proxies.
ARG ROOTFS
FROM ${ROOTFS}
COPY host-ca-bundle.crt /etc/ssl/certs/host-ca-bundle.crt
ENV SSL_CERT_FILE=/etc/ssl/certs/host-ca-bundle.crt \
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/host-ca-bundle.crt \
    PIP_CERT=/etc/ssl/certs/host-ca-bundle.crt \
    CURL_CA_BUNDLE=/etc/ssl/certs/host-ca-bundle.crt \
    GIT_SSL_CAINFO=/etc/ssl/certs/host-ca-bundle.crt \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/host-ca-bundle.crt \
    CARGO_HTTP_CAINFO=/etc/ssl/certs/host-ca-bundle.crt \
    DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends ca-certificates procps bash coreutils \
      python3 less file \
 && rm -rf /var/lib/apt/lists/*
