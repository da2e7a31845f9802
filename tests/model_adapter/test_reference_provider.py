"""`longcat-local`: the shipped tiny tokenizer, the provider, and an end-to-end
`inspect eval` of a long-context task on the tiny model."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("torch", reason="the `local` extra (torch) is not installed")

from inspect_ai.model import (  # noqa: E402
    ChatMessageUser,
    GenerateConfig,
)
from inspect_ai.tool import ToolInfo, ToolParams  # noqa: E402

from longcat_evals.errors import UserFacingError  # noqa: E402
from longcat_evals.model_adapter.reference import train_tokenizer  # noqa: E402
from longcat_evals.model_adapter.reference.tokenizer import load_tiny_tokenizer  # noqa: E402

TOOL = ToolInfo(
    name="bash",
    description="Run a command",
    parameters=ToolParams(properties={"cmd": {"type": "string"}}, required=["cmd"]),
)


def test_tiny_tokenizer_is_what_the_script_builds():
    tok = load_tiny_tokenizer()
    assert tok.get_vocab_size() == train_tokenizer.VOCAB_SIZE
    assert (tok.token_to_id("<longcat_s>"), tok.token_to_id("</longcat_s>")) == (1, 2)
    text = "Cynic, n. A blackguard <longcat_tool_call>{}</longcat_tool_call> ünïcode"
    assert tok.decode(tok.encode(text).ids, skip_special_tokens=False) == text
    rebuilt = train_tokenizer.train([p.read_text() for p in train_tokenizer.SOURCES])
    assert rebuilt.get_vocab() == tok.get_vocab()


def test_registry_does_not_import_torch():
    code = "import sys, longcat_evals._registry; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_provider_generates_and_parses_tool_calls():
    from longcat_evals.model_adapter.reference.provider import LongcatLocalAPI

    api = LongcatLocalAPI("tiny", seed=0)
    import asyncio

    out = asyncio.run(
        api.generate(
            [ChatMessageUser(content="What is a cynic?")],
            [TOOL],
            "auto",
            GenerateConfig(max_tokens=6),
        )
    )
    assert out.usage.output_tokens == 6 and out.usage.input_tokens > 10
    assert out.choices[0].stop_reason == "max_tokens"
    # the generation is noise (random weights); the parser path is checked on LongCat-format text
    raw = (
        "<longcat_think>look</longcat_think>ok"
        '<longcat_tool_call>{"name": "bash", "arguments": {"cmd": "ls"}}</longcat_tool_call>'
    )
    parsed = api._output(raw, 10, 5, stopped=True)
    message = parsed.choices[0].message
    assert message.text == "ok" and message.tool_calls[0].arguments == {"cmd": "ls"}
    assert message.content[0].reasoning == "look"
    assert parsed.choices[0].stop_reason == "tool_calls"


def test_provider_rejects_bad_options():
    from longcat_evals.model_adapter.reference.provider import LongcatLocalAPI

    with pytest.raises(UserFacingError, match="unknown -M options"):
        LongcatLocalAPI("tiny", colour="red")
    with pytest.raises(UserFacingError, match="dtype"):
        LongcatLocalAPI("tiny", dtype="int8")
    with pytest.raises(UserFacingError, match="attn_backend=flash"):
        LongcatLocalAPI("tiny", attn_backend="flash")
    with pytest.raises(UserFacingError, match="No config.json"):
        LongcatLocalAPI("/nonexistent/checkpoint")


@pytest.mark.slow
@pytest.mark.parametrize(
    "model_args",
    # triton: the LSA kernels (on CUDA, or in Triton's CPU interpreter under the test suite)
    [{"mtp": True}, {"attn_backend": "triton"}],
    ids=["mtp", "triton"],
)
def test_inspect_eval_long_context_task_end_to_end(tmp_path, model_args):
    from inspect_ai import eval as inspect_eval

    from longcat_evals.evals.long_context.task import niah
    from longcat_evals.model_adapter.reference.tokenizer import TINY_TOKENIZER

    task = niah(lengths="512", depths="50", answer_tokens=8, tokenizer=str(TINY_TOKENIZER))
    [log] = inspect_eval(
        task,
        model="longcat-local/tiny",
        model_args=model_args,
        log_dir=str(tmp_path),
        display="none",
    )
    assert log.status == "success", log.error
    [sample] = log.samples
    assert sample.output.usage.input_tokens > 300
    assert sample.scores  # scored (a random tiny model answers wrongly: 0)


def test_provider_loads_a_checkpoint_directory(tmp_path):
    import asyncio
    import shutil

    import torch

    from longcat_evals.model_adapter.reference.loading import build_tiny
    from longcat_evals.model_adapter.reference.provider import LongcatLocalAPI
    from longcat_evals.model_adapter.reference.tokenizer import TINY_TOKENIZER

    build_tiny(seed=3).save_pretrained(tmp_path)
    with pytest.raises(UserFacingError, match="No tokenizer.json"):
        LongcatLocalAPI(str(tmp_path))
    shutil.copy(TINY_TOKENIZER, tmp_path / "tokenizer.json")
    api = LongcatLocalAPI(str(tmp_path), dtype="bfloat16")
    assert next(api.model.parameters()).dtype == torch.bfloat16
    config = GenerateConfig(max_tokens=4)
    out = asyncio.run(api.generate([ChatMessageUser(content="Abasement")], [], "auto", config))
    assert out.usage.output_tokens == 4
