"""Bundle round trip on the real engine: export an image and a data file, remove the image,
import, and the same Inspect eval scores the same, offline (the sandbox has no network).
"""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.log import read_eval_log

from longcat_evals.results.scoring import headline
from longcat_evals.sandboxes import images
from longcat_evals.sandboxes.bundle import BLOBS, MANIFEST, BundleError, export, import_bundle

pytestmark = [pytest.mark.docker, pytest.mark.slow]

TASKS = Path(__file__).parent / "bundle_tasks.py"
TEST_LABEL = "org.longcat-evals.test=bundle-e2e"


def _eval(image: str, data_file: Path, log_dir: Path):
    [log] = inspect_eval(f"{TASKS}@bundled", model="mockllm/model", display="none",
                         task_args={"image": image, "data_file": str(data_file)},
                         log_dir=str(log_dir))  # fmt: skip
    return headline(read_eval_log(log.location))


def _rmi(tag: str) -> None:
    subprocess.run(["docker", "image", "rm", tag], capture_output=True)


@pytest.fixture
def own_image(base_image, tmp_path):
    """A small image of this test's own (FROM the base, one file), removed afterwards."""
    marker = f"bundled-{uuid.uuid4().hex[:8]}"
    tag = f"longcat-evals/test-bundle:{marker}"
    context = tmp_path / "context"
    context.mkdir()
    (context / "Dockerfile").write_text(
        f"FROM {base_image}\nLABEL {TEST_LABEL}\nRUN echo {marker} > /opt/bundle-marker\n"
    )
    images.build_image(tag, context, log=lambda _: None)
    yield tag, marker
    _rmi(tag)


def test_export_remove_import_gives_the_same_score(own_image, tmp_path):
    tag, marker = own_image
    data = tmp_path / "data"
    data.mkdir()
    (data / "samples.tsv").write_text(f"right\t{marker}\nwrong\tnot-{marker}\n")
    before = _eval(tag, data / "samples.tsv", tmp_path / "before")
    assert (before.samples, before.score, before.errors) == (2, 50.0, 0)

    bundle = tmp_path / "bundle"
    digest = export(bundle, images=[tag], data=[data], log=lambda _: None)
    _rmi(tag)
    assert not images.image_exists(tag)

    # A tampered bundle is refused before anything is loaded: the image stays absent.
    tampered = tmp_path / "tampered"
    subprocess.run(["cp", "-r", str(bundle), str(tampered)], check=True)
    manifest = json.loads((tampered / MANIFEST).read_text())
    image_blob = (
        tampered / BLOBS / next(e for e in manifest["entries"] if e["kind"] == "image")["sha256"]
    )
    with image_blob.open("r+b") as f:
        f.seek(image_blob.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(BundleError, match=f"image {tag}.*checksum mismatch"):
        import_bundle(tampered, into=tmp_path / "restored", log=lambda _: None)
    assert not images.image_exists(tag)

    import_bundle(bundle, into=tmp_path / "restored", expect_digest=digest, log=lambda _: None)
    assert images.image_exists(tag)
    restored = tmp_path / "restored" / "data" / "data" / "samples.tsv"
    after = _eval(tag, restored, tmp_path / "after")
    assert (after.samples, after.score, after.errors) == (before.samples, before.score, 0)
