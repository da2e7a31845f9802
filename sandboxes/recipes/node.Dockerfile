ARG BASE
FROM ${BASE}
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends nodejs npm git patch make \
 && rm -rf /var/lib/apt/lists/*
