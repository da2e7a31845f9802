"""Image map: strict file format, matching, FROM rewriting (stages, ARGs, aliases)."""

from __future__ import annotations

import pytest

from longcat_evals.evals.terminal import image_map
from longcat_evals.evals.terminal.image_map import ImageMap, MapEntry, Resolver


def test_builtin_map_loads_and_covers_common_bases():
    builtin = image_map.load_map(image_map.BUILTIN_MAP)
    resolver = Resolver([(builtin, "built-in")], "map")
    for ref, use, suite in [
        ("python:3.13-slim-bookworm", "python", "trixie"),  # CPython 3.13 is Debian 13's
        ("python:3.12", "python", "trixie"),
        ("python:3", "python", "trixie"),
        ("python:3.11-slim-bookworm", "python", "bookworm"),
        ("python:3.10.4-slim", "python", "bookworm"),
        ("python:3.9", "python", "bookworm"),
        ("ubuntu:24.04", "base", "trixie"),
        ("ubuntu:22.04", "base", "bookworm"),
        ("debian:13-slim", "base", "trixie"),
        ("debian:trixie", "base", "trixie"),
        ("debian:bookworm", "base", "bookworm"),
        ("eclipse-temurin:21-jdk", "java", "trixie"),  # OpenJDK 21 is Debian 13's
        ("maven:3.9-eclipse-temurin-21", "java", "trixie"),
        ("eclipse-temurin:17", "java", "bookworm"),
        ("ghcr.io/astral-sh/uv:0.9.5", "uv", "bookworm"),
        ("gcc:13", "c", "bookworm"),
        ("node:22", "node", "bookworm"),
        ("docker.io/library/golang:1.23", "go", "bookworm"),
        ("rust:1-slim", "rust", "bookworm"),
        ("ghcr.io/laude-institute/t-bench/python-3-13:20250620", "python", "trixie"),
        ("ghcr.io/laude-institute/t-bench/python-3-11:20250620", "python", "bookworm"),
        ("ghcr.io/laude-institute/t-bench/ubuntu-24-04:latest", "base", "trixie"),
    ]:
        entry, _ = resolver.lookup(ref)
        assert (entry.use, entry.suite) == (use, suite), ref
    assert resolver.lookup("quay.io/some/thing:1") is None


def test_normalise():
    assert image_map.normalise("docker.io/library/python:3.12") == "python:3.12"
    assert image_map.normalise("ubuntu") == "ubuntu:latest"
    assert image_map.normalise("ubuntu@sha256:abc") == "ubuntu:latest"
    assert image_map.normalise("localhost:5000/x") == "localhost:5000/x:latest"


def test_strict_map_errors(tmp_path):
    bad = tmp_path / "map.yaml"
    bad.write_text("version: 1\nentries:\n  - match: 'x:*'\n    uses: base\n")
    with pytest.raises(ValueError, match=r"image map .*map.yaml: entries.0.use: Field required"):
        image_map.load_map(bad)
    bad.write_text("entries: [unclosed\n")
    with pytest.raises(ValueError, match="cannot read"):
        image_map.load_map(bad)


def _resolver(mode="map"):
    user = ImageMap(
        entries=[MapEntry(match="python:*", use="my/python:1", env={"A": "b c"}, run=["echo hi"])]
    )
    fallback = ImageMap(entries=[MapEntry(match="*", use="my/other:1")])
    return Resolver([(user, "user.yaml"), (fallback, "built-in")], mode)


def test_rewrite_user_map_first_stages_args():
    text = (
        "ARG PY=3.12\n"
        "FROM --platform=linux/amd64 python:${PY}-slim AS build\n"
        "RUN make\n"
        "FROM build AS test\n"
        "from ubuntu:24.04\n"
        "COPY --from=build /x /x\n"
        "FROM scratch\n"
    )
    out, subs = image_map.rewrite_dockerfile(text, _resolver(), log=lambda _: None)
    lines = out.splitlines()
    assert lines[1] == "FROM --platform=linux/amd64 my/python:1 AS build"
    assert lines[2:4] == ["ENV A='b c'", "RUN echo hi"]
    assert "FROM build AS test" in lines and "FROM scratch" in lines
    assert "from my/other:1" in lines
    assert [(s.original, s.image, s.source) for s in subs] == [
        ("python:3.12-slim", "my/python:1", "user.yaml"),
        ("ubuntu:24.04", "my/other:1", "built-in"),
    ]


def test_original_mode_never_maps():
    out, subs = image_map.rewrite_dockerfile("FROM python:3.12\n", _resolver("original"),
                                             log=lambda _: None)  # fmt: skip
    assert out == "FROM python:3.12\n" and subs == []


def test_unmapped_unpullable_image_says_what_to_do():
    resolver = Resolver([(ImageMap(entries=[]), "built-in")], "map")
    with pytest.raises(image_map.SandboxSetupError, match="no image map entry matches"):
        resolver.resolve("quay.io/nobody/nothing:0", log=lambda _: None)
    with pytest.raises(ValueError, match="base_images='sometimes' unknown"):
        Resolver([], "sometimes")


def test_copy_from_images_are_mapped_stages_and_numbers_kept():
    text = (
        "FROM ubuntu:24.04 AS build\n"
        "COPY --from=ghcr.io/astral-sh/uv:0.9.5 /uv /uvx /bin/\n"
        "COPY --chown=1000 --from=build /a /a\n"
        "COPY --from=0 /b /b\n"
        "COPY a b\n"
    )
    out, subs = image_map.rewrite_dockerfile(text, _resolver(), log=lambda _: None)
    lines = out.splitlines()
    assert lines[1] == "COPY --from=my/other:1 /uv /uvx /bin/"
    assert lines[2:] == ["COPY --chown=1000 --from=build /a /a", "COPY --from=0 /b /b", "COPY a b"]
    assert [s.original for s in subs] == ["ubuntu:24.04", "ghcr.io/astral-sh/uv:0.9.5"]


def test_uv_stand_in_needs_a_release_tag():
    assert image_map.uv_version("ghcr.io/astral-sh/uv:0.8.13") == "0.8.13"
    assert image_map.uv_version("ghcr.io/astral-sh/uv") == image_map.standins.UV_DEFAULT_VERSION
    with pytest.raises(image_map.SandboxSetupError, match="only plain uv release tags"):
        image_map.uv_version("ghcr.io/astral-sh/uv:python3.12-bookworm")


def test_entry_with_several_globs_and_a_suite():
    entry = MapEntry(match=["a:1*", "b:*"], use="base", suite="trixie")
    assert entry.matches("a:10") and entry.matches("b:x") and not entry.matches("c:1")
    assert entry.label == "a:1* | b:*"
    with pytest.raises(ValueError, match="suite"):
        ImageMap.model_validate({"entries": [{"match": "x", "use": "base", "suite": "sid"}]})
