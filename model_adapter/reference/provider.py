"""`longcat-local`: the reference model as an Inspect model provider.

    inspect eval ... --model longcat-local/tiny [-M device=cpu -M dtype=float32 -M mtp=true]
                     [-M attn_backend=triton]   (the LSA Triton kernels; CUDA)
    inspect eval ... --model longcat-local/path/to/checkpoint

`tiny` is the random-init tiny configuration with the project's BPE tokenizer (its answers are
noise: it exists to run the pipeline end to end); a directory is a LongCat checkpoint with its
config.json, safetensors (FP8 block-scaled ones are dequantised) and tokenizer.json. Prompts use
the checkpoint's own chat template when it ships one (chat_template.jinja or tokenizer_config.json),
else our LongCat template (`chat_template.render_chat`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    ContentReasoning,
    ContentText,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    ModelUsage,
)
from inspect_ai.tool import ToolCall, ToolChoice, ToolInfo

from longcat_evals.errors import UserFacingError
from longcat_evals.model_adapter.tool_text import parse_assistant_text

DEFAULT_MAX_NEW_TOKENS = 64
DTYPES = ("float32", "bfloat16", "float16")
DEFAULT_CONFIG = GenerateConfig()


def _device(value: Any) -> str:
    """VALUE as a torch device string this machine has, or a one-line error naming it."""
    import torch

    try:
        device = torch.device(str(value))
    except (RuntimeError, TypeError):
        raise UserFacingError(
            f"longcat-local: -M device={value} is not a device (use cpu, cuda or cuda:N)"
        ) from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise UserFacingError(f"longcat-local: -M device={value} but CUDA is not available")
    if device.type not in ("cpu", "cuda"):
        raise UserFacingError(
            f"longcat-local: -M device={value}: the reference runs on cpu or cuda only"
        )
    return str(value)


class LongcatLocalAPI(ModelAPI):
    """Runs the PyTorch reference in-process, one sample at a time (a lock serialises calls)."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = DEFAULT_CONFIG,
        device: str = "cpu",
        dtype: str = "float32",
        seed: int = 0,
        mtp: bool = False,
        thinking: bool = False,
        attn_backend: str = "torch",
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, [], config)
        if model_args:
            raise UserFacingError(
                f"longcat-local: unknown -M options {sorted(model_args)} "
                "(known: device, dtype, seed, mtp, thinking, attn_backend)"
            )
        if dtype not in DTYPES:
            raise UserFacingError(f"longcat-local: -M dtype={dtype} (use one of {DTYPES})")
        import torch

        from longcat_evals.model_adapter.reference import loading, tokenizer
        from longcat_evals.model_adapter.reference.configuration import ATTN_BACKENDS
        from longcat_evals.model_adapter.reference.lsa_triton import check_usable

        device = _device(device)
        if attn_backend not in ATTN_BACKENDS:
            raise UserFacingError(
                f"longcat-local: -M attn_backend={attn_backend} (use one of {ATTN_BACKENDS})"
            )
        if attn_backend == "triton":
            check_usable(device)
        torch_dtype = getattr(torch, dtype)
        from longcat_evals.model_adapter.reference.chat_template import load_checkpoint_template

        self.chat_template = None
        if model_name == "tiny":
            self.model = loading.build_tiny(seed=int(seed)).to(device, torch_dtype)
            self.tokenizer = tokenizer.load_tiny_tokenizer()
        else:
            self.model = loading.load_checkpoint(model_name, device, torch_dtype)
            self.tokenizer = tokenizer.load_checkpoint_tokenizer(model_name)
            self.chat_template = load_checkpoint_template(model_name)
        self.model.config.attn_backend = attn_backend  # a runtime choice, not the checkpoint's
        self.device, self.use_mtp, self.thinking = device, _flag(mtp), _flag(thinking)
        self._lock = asyncio.Lock()

    def max_tokens(self) -> int | None:
        return DEFAULT_MAX_NEW_TOKENS

    def max_connections(self) -> int:
        return 1

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        from longcat_evals.model_adapter.reference.chat_template import THINK_OPEN, render_chat

        if self.chat_template is not None:
            prompt = self.chat_template.render(input, tools, thinking=self.thinking)
        else:
            prompt = render_chat(input, tools, thinking=self.thinking)
        ids = self.tokenizer.encode(prompt, add_special_tokens=False).ids
        max_new = config.max_tokens or DEFAULT_MAX_NEW_TOKENS
        temperature = config.temperature or 0.0
        async with self._lock:
            new_ids = await asyncio.to_thread(self._run, ids, max_new, temperature, config.seed)
        eos = self.model.config.eos_token_id
        stopped = bool(new_ids) and new_ids[-1] == eos
        text = self.tokenizer.decode(
            new_ids[:-1] if stopped else new_ids, skip_special_tokens=False
        )
        opened = prompt.rstrip().endswith(THINK_OPEN)  # the prompt opened the reasoning block
        return self._output(text, len(ids), len(new_ids), stopped, opened)

    def _run(self, ids: list[int], max_new: int, temperature: float, seed: int | None):
        import torch

        prompt = torch.tensor([ids], device=self.device)
        generator = None
        if temperature > 0:
            generator = torch.Generator(device=self.device).manual_seed(seed or 0)
        out = self.model.generate(
            prompt,
            max_new_tokens=max_new,
            temperature=temperature,
            use_mtp=self.use_mtp and temperature == 0,
            generator=generator,
        )
        return out[0, len(ids) :].tolist()

    def _output(
        self, text: str, n_in: int, n_out: int, stopped: bool, opened_think: bool = False
    ) -> ModelOutput:
        if opened_think:  # the reply continues a reasoning block the prompt opened
            text = "<longcat_think>" + text
        parsed = parse_assistant_text(text)
        content: list = []
        if parsed.reasoning is not None:
            content.append(ContentReasoning(reasoning=parsed.reasoning))
        content.append(ContentText(text=parsed.content))
        calls = [
            ToolCall(id=c.id, function=c.function, arguments=c.arguments, parse_error=c.parse_error)
            for c in parsed.tool_calls
        ]
        message = ChatMessageAssistant(
            content=content, tool_calls=calls or None, model=self.model_name, source="generate"
        )
        stop_reason = "tool_calls" if calls else ("stop" if stopped else "max_tokens")
        return ModelOutput(
            model=self.model_name,
            choices=[ChatCompletionChoice(message=message, stop_reason=stop_reason)],
            usage=ModelUsage(input_tokens=n_in, output_tokens=n_out, total_tokens=n_in + n_out),
        )


def _flag(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
