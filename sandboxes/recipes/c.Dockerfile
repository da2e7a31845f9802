ARG BASE
FROM ${BASE}
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends gcc g++ make cmake libc6-dev gdb git patch \
 && rm -rf /var/lib/apt/lists/*
