"""Compose generation: the secure defaults, content addressing, and compose-file validation."""

from __future__ import annotations

import pytest
import yaml

from longcat_evals.sandboxes.compose import (
    SandboxLimits,
    compose_config,
    docker_sandbox,
    prepare,
    sandbox_from_file,
    service,
    with_labels,
    write_compose,
)
from longcat_evals.sandboxes.errors import SandboxSetupError


def test_service_defaults_are_secure():
    spec = service("longcat-evals/base:abc")
    assert spec["network_mode"] == "none"
    assert spec["init"] is True and spec["privileged"] is False
    assert "no-new-privileges:true" in spec["security_opt"]
    assert spec["pids_limit"] > 0 and spec["mem_limit"].endswith("m") and spec["cpus"] > 0
    assert spec["x-local"] is True and spec["working_dir"] == "/workspace"
    assert "volumes" not in spec and "docker.sock" not in yaml.safe_dump(spec)


def test_network_and_limits_are_explicit_choices():
    spec = service("img", network=True, limits=SandboxLimits(cpus=2, memory_mb=300, pids=50))
    assert "network_mode" not in spec
    assert (spec["cpus"], spec["mem_limit"], spec["pids_limit"]) == (2, "300m", 50)
    with pytest.raises(ValueError):
        SandboxLimits(pids=0)
    with pytest.raises(ValueError):
        SandboxLimits(memory_gb=1)  # unknown keys are rejected


def test_compose_files_are_content_addressed(tmp_path, monkeypatch):
    monkeypatch.setenv("LONGCAT_STATE_DIR", str(tmp_path / "state"))
    config = compose_config({"default": service("img")})
    first = write_compose(config, tmp_path)
    assert write_compose(config, tmp_path) == first
    assert write_compose(compose_config({"default": service("other")}), tmp_path) != first
    assert yaml.safe_load(first.read_text()) == prepare(config)
    spec = docker_sandbox("img")
    assert spec.type == "docker" and spec.config.startswith(str(tmp_path / "state"))


def test_a_default_service_is_required():
    with pytest.raises(ValueError, match="one named 'default'"):
        compose_config({"web": service("img")})


def test_compose_file_validation(tmp_path):
    with pytest.raises(SandboxSetupError, match="task t: compose file .* not found"):
        sandbox_from_file(tmp_path / "nope.yaml", "task t")
    broken = tmp_path / "broken.yaml"
    broken.write_text("services:\n  default: [unclosed\n")
    with pytest.raises(SandboxSetupError, match=r"not valid YAML \(line"):
        sandbox_from_file(broken, "task t")
    empty = tmp_path / "empty.yaml"
    empty.write_text("version: '3'\n")
    with pytest.raises(SandboxSetupError, match="no `services` mapping"):
        sandbox_from_file(empty, "task t")
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(compose_config({"default": service("img")})))
    assert sandbox_from_file(good, "task t").config == str(good.resolve())


def test_every_service_and_created_network_is_labelled_and_external_ones_are_not():
    config = compose_config({"default": service("img"), "db": service("db", network=True)})
    config["services"]["db"]["networks"] = ["private", "shared"]
    config["networks"] = {"private": {"internal": True}, "shared": {"external": True}}
    labelled = with_labels(config)
    owner = "${LONGCAT_EVALS_OWNER:-unknown}"  # filled in by compose from our environment
    for spec in labelled["services"].values():
        assert spec["labels"]["org.longcat-evals.sandbox"] == "true"
        assert spec["labels"]["org.longcat-evals.owner"] == owner
    assert labelled["networks"]["private"]["labels"]["org.longcat-evals.sandbox"] == "true"
    assert "labels" not in labelled["networks"]["shared"]
    # `default` has network_mode none: compose creates no default network for it
    assert "default" not in labelled["networks"]
    assert "labels" not in config["services"]["default"]  # the input is not modified
    single = with_labels(compose_config({"default": service("img", network=True)}))
    assert single["networks"]["default"]["labels"]["org.longcat-evals.sandbox"] == "true"
