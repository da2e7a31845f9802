"""Bundles of data and wheels files: content addressing, and every way to break one refused.

Images (docker save/load) are covered by test_bundle_e2e.py on the real engine.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from longcat_evals.cli import main
from longcat_evals.sandboxes.bundle import (
    BLOBS,
    MANIFEST,
    BundleError,
    export,
    import_bundle,
    verify,
)


@pytest.fixture
def sources(tmp_path: Path) -> dict[str, Path]:
    data = tmp_path / "src" / "swe"
    (data / "nested").mkdir(parents=True)
    (data / "instances.jsonl").write_text('{"instance_id": "a"}\n{"instance_id": "b"}\n')
    (data / "nested" / "specs.json").write_text('{"a": 1}')
    wheels = tmp_path / "src" / "wheels"
    wheels.mkdir()
    (wheels / "pytest-8.3.0-py3-none-any.whl").write_bytes(b"PK\x03\x04 not really a wheel")
    (wheels / "copy-of-specs.json").write_text('{"a": 1}')  # same bytes as a data file
    return {"data": data, "wheels": wheels}


def _export(tmp_path: Path, sources) -> tuple[Path, str]:
    out = tmp_path / "bundle"
    digest = export(out, data=[sources["data"]], wheels=[sources["wheels"]], log=lambda _: None)
    return out, digest


def test_round_trip_restores_every_file_byte_for_byte(tmp_path, sources):
    out, digest = _export(tmp_path, sources)
    assert digest == hashlib.sha256((out / MANIFEST).read_bytes()).hexdigest()
    manifest = json.loads((out / MANIFEST).read_text())
    assert (manifest["format"], manifest["version"]) == ("longcat-evals-bundle", 1)
    blobs = sorted(p.name for p in (out / BLOBS).iterdir())
    # Content-addressed: four files, three distinct contents, each blob named by its digest.
    assert len(manifest["entries"]) == 4 and len(blobs) == 3
    for blob in blobs:
        assert hashlib.sha256((out / BLOBS / blob).read_bytes()).hexdigest() == blob
    target = tmp_path / "restored"
    import_bundle(out, into=target, expect_digest=digest, log=lambda _: None)
    for kind in ("data", "wheels"):
        source = sources[kind]
        for file in (p for p in source.rglob("*") if p.is_file()):
            restored = target / kind / source.name / file.relative_to(source)
            assert restored.read_bytes() == file.read_bytes()


def test_a_tampered_file_is_refused_and_nothing_is_written(tmp_path, sources):
    out, _ = _export(tmp_path, sources)
    entry = next(e for e in verify(out) if e.name.endswith("instances.jsonl"))
    blob = out / BLOBS / entry.sha256
    blob.write_text('{"instance_id": "a"}\n{"instance_id": "evil"}\n')
    target = tmp_path / "restored"
    with pytest.raises(BundleError, match="instances.jsonl.*checksum mismatch") as caught:
        import_bundle(out, into=target, log=lambda _: None)
    assert "\n" not in str(caught.value)
    assert not target.exists()  # verification comes before any write


def test_same_size_tamper_is_caught_by_the_digest_not_the_size(tmp_path, sources):
    out, _ = _export(tmp_path, sources)
    entry = next(e for e in verify(out) if e.name.endswith(".whl"))
    blob = out / BLOBS / entry.sha256
    data = bytearray(blob.read_bytes())
    data[-1] ^= 1
    blob.write_bytes(bytes(data))
    with pytest.raises(BundleError, match="checksum mismatch"):
        verify(out)


def test_a_missing_file_is_refused(tmp_path, sources):
    out, _ = _export(tmp_path, sources)
    (out / BLOBS / verify(out)[0].sha256).unlink()
    with pytest.raises(BundleError, match="file missing"):
        verify(out)


def test_an_edited_manifest_is_refused_given_the_digest(tmp_path, sources):
    out, digest = _export(tmp_path, sources)
    # Replace a file AND its manifest entry consistently: only the bundle digest can tell.
    manifest = json.loads((out / MANIFEST).read_text())
    evil = b"evil"
    evil_digest = hashlib.sha256(evil).hexdigest()
    (out / BLOBS / evil_digest).write_bytes(evil)
    manifest["entries"][0].update(sha256=evil_digest, size=len(evil))
    (out / MANIFEST).write_text(json.dumps(manifest))
    verify(out)  # self-consistent again...
    with pytest.raises(BundleError, match="expected digest"):
        verify(out, expect_digest=digest)  # ...but not the bundle that was exported


@pytest.mark.parametrize("name", ["../../outside.txt", "/etc/passwd", "data/../../x"])
def test_a_name_leaving_the_target_is_refused(tmp_path, sources, name):
    out, _ = _export(tmp_path, sources)
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["entries"][0]["name"] = name
    (out / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match="leaves the target directory"):
        import_bundle(out, into=tmp_path / "restored", log=lambda _: None)
    assert not (tmp_path / "outside.txt").exists()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m.update(version=2), "version 2 is not 1"),
        (lambda m: m.update(format="other"), "format is not"),
        (lambda m: m["entries"][0].update(sha256="zz"), "not a hex digest"),
        (lambda m: m["entries"][0].update(kind="script"), "unknown kind"),
        (lambda m: m["entries"][0].pop("size"), "malformed"),
        (lambda m: m["entries"][0].update(kind="image", name="--help"), "not an image reference"),
    ],
)
def test_a_malformed_manifest_is_refused_in_one_line(tmp_path, sources, edit, message):
    out, _ = _export(tmp_path, sources)
    manifest = json.loads((out / MANIFEST).read_text())
    edit(manifest)
    (out / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match=message):
        verify(out)


def test_export_refuses_a_non_empty_directory_and_name_clashes(tmp_path, sources):
    out, _ = _export(tmp_path, sources)
    with pytest.raises(BundleError, match="not empty"):
        export(out, data=[sources["data"]], log=lambda _: None)
    with pytest.raises(BundleError, match="both be named"):
        export(tmp_path / "b2", data=[sources["data"], sources["data"]], log=lambda _: None)


def test_cli_refuses_a_tampered_bundle_in_one_line(tmp_path, sources):
    runner = CliRunner()
    out = tmp_path / "bundle"
    done = runner.invoke(main, ["bundle", "export", str(out), "--data", str(sources["data"])])
    assert done.exit_code == 0, done.output
    entry = verify(out)[0]
    (out / BLOBS / entry.sha256).write_text("changed")
    done = runner.invoke(main, ["bundle", "import", str(out), "--into", str(tmp_path / "r")])
    assert done.exit_code == 2
    assert "checksum mismatch" in done.output and "Traceback" not in done.output
    assert len(done.output.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_images_of_tasks_are_what_their_samples_run_in(tmp_path):
    from longcat_evals.sandboxes.bundle import images_of_tasks

    data = tmp_path / "samples.tsv"
    data.write_text("a\tx\nb\ty\n")
    task = f"{Path(__file__).parent / 'bundle_tasks.py'}@bundled"
    found = images_of_tasks(
        [(task, {"image": "longcat-evals/test-bundle:abc", "data_file": str(data)})]
    )
    assert found == ["longcat-evals/test-bundle:abc"]  # two samples, one image, listed once
