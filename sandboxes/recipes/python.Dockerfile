ARG BASE
FROM ${BASE}
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends python3 python3-pip python3-venv \
      python3-pytest git patch make \
 && rm -rf /var/lib/apt/lists/*
