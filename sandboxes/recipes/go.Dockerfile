ARG BASE
FROM ${BASE}
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends golang-go git patch make gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
ENV GOFLAGS=-buildvcs=false GOPROXY=off GOTOOLCHAIN=local GOCACHE=/root/.cache/go-build
