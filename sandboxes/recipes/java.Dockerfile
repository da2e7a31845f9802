ARG BASE
FROM ${BASE}
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update -q \
 && apt-get install -y -q --no-install-recommends default-jdk-headless git patch make \
 && rm -rf /var/lib/apt/lists/*
