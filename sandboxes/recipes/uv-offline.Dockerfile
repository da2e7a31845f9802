# The offline uv kit a task image copies from (COPY --from=<this> /kit/ /opt/longcat-evals/uv/):
# uv <version> from PyPI's `uv` wheel, a curl shim that answers requests for uv's installer
# with a local one, that installer, a system uv.toml (offline, cache warmed at build) and the
# host's CA bundle (so the build-time warm-up reaches PyPI behind TLS-intercepting proxies).
FROM scratch
COPY kit/ /kit/
