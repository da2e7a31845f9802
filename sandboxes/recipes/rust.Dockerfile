ARG BASE
FROM ${BASE}
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends rustc cargo git patch make gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
ENV CARGO_NET_OFFLINE=true
