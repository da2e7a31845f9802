"""Image tags from recipe hashes, reuse, build failures and the CA bundle (real engine)."""

from __future__ import annotations

import subprocess
import uuid

import pytest

from longcat_evals.sandboxes import images
from longcat_evals.sandboxes.errors import ImageBuildError, SandboxSetupError


def test_hash_covers_file_names_and_contents(tmp_path):
    (tmp_path / "a").write_text("1")
    first = images.hash_inputs(tmp_path, "base:1")
    assert images.hash_inputs(tmp_path, "base:1") == first
    assert images.hash_inputs(tmp_path, "base:2") != first
    (tmp_path / "a").write_text("2")
    assert images.hash_inputs(tmp_path, "base:1") != first
    (tmp_path / "a").rename(tmp_path / "b")
    assert images.hash_inputs(tmp_path, "base:1") not in (first,)


def test_unknown_toolchain_names_the_known_ones():
    with pytest.raises(SandboxSetupError, match=r"Unknown toolchain image 'cobol' \(known: python"):
        images.toolchain_tag("cobol", "longcat-evals/base:x")


def test_missing_explicit_ca_bundle_is_an_error(tmp_path):
    with pytest.raises(SandboxSetupError, match="CA bundle .* not found"):
        images.ca_bundle(tmp_path / "missing.pem")


@pytest.mark.docker
def test_base_is_built_once_and_reused(base_image):
    stats = images.BuildStats()
    assert images.ensure_base(stats) == base_image
    assert stats.built == [] and base_image in stats.reused
    labels = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{json .Config.Labels}}", base_image],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert images.MANAGED_LABEL in labels
    assert base_image in {row["image"] for row in images.list_images()}


@pytest.mark.docker
def test_base_image_trusts_the_host_ca_bundle(base_image):
    bundle = images.ca_bundle()
    assert bundle is not None
    inside = subprocess.run(
        ["docker", "run", "--rm", "--network", "none", base_image, "sh", "-c",
         'cat "$SSL_CERT_FILE"'],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    assert inside == bundle.read_bytes()


@pytest.mark.docker
def test_failed_build_reports_the_log_tail(base_image, tmp_path):
    (tmp_path / "Dockerfile").write_text(
        f"FROM {base_image}\nRUN echo the-reason-it-broke >&2 && exit 7\n"
    )
    with pytest.raises(ImageBuildError) as failure:
        images.build_image("longcat-evals/test-fail:x", tmp_path, what="fixture", log=print)
    message = str(failure.value)
    assert "docker build of fixture failed" in message and "the-reason-it-broke" in message
    assert "\n" not in message
    assert not images.image_exists("longcat-evals/test-fail:x")


@pytest.mark.docker
def test_failed_build_leaves_no_container_behind(base_image, tmp_path):
    marker = f"failing-step-{uuid.uuid4().hex}"
    (tmp_path / "Dockerfile").write_text(f"FROM {base_image}\nRUN echo {marker} && exit 7\n")
    with pytest.raises(ImageBuildError):
        images.build_image("longcat-evals/test-fail:y", tmp_path, log=print)
    commands = subprocess.run(
        ["docker", "ps", "--all", "--no-trunc", "--format", "{{.Command}}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert marker not in commands  # the failed step's intermediate container is gone


@pytest.mark.docker
@pytest.mark.slow
def test_python_toolchain_builds_and_runs_offline(base_image):
    tag = images.ensure_toolchain("python")
    assert tag == images.toolchain_tag("python", base_image)
    out = subprocess.run(
        ["docker", "run", "--rm", "--network", "none", tag, "python3", "-m", "pytest", "--version"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "pytest" in (out.stdout + out.stderr)


@pytest.mark.docker
@pytest.mark.slow
def test_builds_reach_pypi_through_the_hosts_ca_bundle(tmp_path):
    """Behind a TLS-intercepting proxy, HTTPS in a build only verifies with the host's bundle.

    Python's ssl module verifies against SSL_CERT_FILE, which the base image points at the
    host's bundle; on machines without interception this passes trivially.
    """
    python = images.ensure_toolchain("python")
    (tmp_path / "Dockerfile").write_text(
        f'FROM {python}\nRUN python3 -c "import urllib.request; '
        "urllib.request.urlopen('https://pypi.org/simple/six/', timeout=60)\"\n"
    )
    tag = images.tag_for("test-pypi", images.hash_inputs(tmp_path))
    images.build_image(tag, tmp_path, what="pip download in a build")
    subprocess.run(["docker", "rmi", tag], capture_output=True)
