# Stand-in for ghcr.io/astral-sh/uv:<version> (a scratch image holding /uv and /uvx): the same
# static binaries, taken from PyPI's `uv` wheel of that version (the context holds them).
FROM scratch
COPY uv uvx /
