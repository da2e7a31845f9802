"""The checkpoint layouts the loader accepts, and how each maps onto the reference.

A directory's `config.json` and tensor names are read together:

- **Names.** The reference's own names (what `save_pretrained` writes) plus the spellings public
  tools read from released checkpoints: LongCat-Flash's MTP module (`model.mtp.layers.0.eh_proj`,
  `model.mtp.layers.0.{e,h}norm.m`, `model.mtp.layers.0.transformer_layer.mlp.*`, as SGLang's and
  vLLM's loaders map them), LongCat-Flash-Lite's N-gram tables
  (`model.ngram_embeddings.{embedders,post_projs}.{i}`). transformers' `save_pretrained` also writes
  gate/up rows for the identity experts (`mlp.experts.{e}` for e >= n_routed_experts, no down_proj),
  which no implementation reads; they are dropped.
- **Switches** (indexer, its CLI sharing, N-gram embedding, MTP and its N-gram tables, router
  bias, indexer key norm) follow the tensors present. A config field that states one must agree
  with the tensors; absent, it is inferred.
- **Fields.** Every spelling of a field public configs use is read (transformers' attribute map,
  SGLang's LongCat configs, the released LongCat-2.0 config as ModelOpt-style tools read it);
  two spellings with different values are refused. A key we do not understand is named in a
  warning. Keys we understand but that cannot change this model's forward pass are listed in
  IGNORED with the reason; keys whose only supported value is fixed are checked.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from inspect import signature
from pathlib import Path
from typing import Any

from longcat_evals.errors import UserFacingError
from longcat_evals.model_adapter.reference.configuration import LongcatConfig

logger = logging.getLogger(__name__)

ARCHITECTURES = (
    "LongcatForCausalLM",  # the reference's own save_pretrained
    "LongcatFlashForCausalLM",  # LongCat-Flash (Meituan, transformers)
    "LongcatCausalLM",  # the released LongCat-2.0 config as public tools read it
    "LongcatFlashProForCausalLM",  # SGLang's name for LongCat-2.0 ("LongCat-Flash-Pro")
    "LongcatFlashNgramForCausalLM",  # LongCat-Flash-Lite (N-gram), untested here
)
MODEL_TYPES = ("longcat", "longcat_flash", "longcat_flash_pro", "longcat_flash_ngram")

# Two spellings of one field: canonical (ours) <- the others.
ALIASES = {
    "ffn_hidden_size": ("intermediate_size",),
    "expert_ffn_hidden_size": ("moe_intermediate_size",),
    "n_routed_experts": ("num_local_experts",),
    "moe_topk": ("num_experts_per_tok",),
    "index_k_norm": ("index_k_norm_type",),
    "index_rope_interleave": ("indexer_rope_interleave",),
    "oe_vocab_size_ratio": ("ngram_vocab_size_ratio",),
    "oe_neighbor_num": ("emb_neighbor_num",),
    "oe_split_num": ("emb_split_num",),
    "use_ngram_embedding": ("use_oe_embedding",),
    "mtp_num_steps": ("mtp_num_layers",),
    "dtype": ("torch_dtype",),
}
# SGLang spells the indexer key norm "layer" for LayerNorm.
NORM_SPELLINGS = {"rms": "rms", "layer": "layernorm", "layernorm": "layernorm"}

# Understood, and only this value is implemented: anything else is refused.
FIXED = {
    "hidden_act": ("silu",),
    "zero_expert_type": ("identity",),
    "norm_topk_prob": (False,),
    "attention_bias": (False,),
    "use_mla": (True, 1),
    "rope_interleave": (True,),  # MLA rope on GPT-J pairs
    "nextn_use_scmoe": (False,),  # the MTP layer is dense
    "topk_method": (None,),
    "dsa_mtp_cli": (True,),  # the MTP draft steps share one indexer pass
    "mtp_replicate_modules": (True,),  # one MTP module for every draft step
    "pretraining_tp": (1,),
}

# Understood, with no effect on this model's forward pass (reason given).
IGNORED = {
    "architectures": "checked against the known LongCat classes",
    "model_type": "checked against the known LongCat model types",
    "transformers_version": "provenance",
    "_name_or_path": "provenance",
    "auto_map": "remote-code pointers; the reference is the code",
    "dtype": "storage dtype; -M dtype chooses the compute dtype",
    "num_key_value_heads": "MLA has one shared latent; transformers writes it = heads",
    "head_dim": "transformers' name for the rope dims; checked = qk_rope_head_dim",
    "attention_dropout": "training only",
    "use_cache": "the reference always caches",
    "initializer_range": "random initialisation only",
    "output_router_logits": "training only",
    "output_attentions": "generic output switch",
    "output_hidden_states": "generic output switch",
    "return_dict": "generic output switch",
    "chunk_size_feed_forward": "generic, unused",
    "is_encoder_decoder": "generic, always false here",
    "id2label": "classification heads only",
    "label2id": "classification heads only",
    "problem_type": "classification heads only",
    "ep_size": "serving parallelism",
    "params_dtype": "serving dtype",
    "rounter_params_dtype": "serving dtype (the router runs in fp32 here regardless)",
    "router_dtype": "serving dtype (the router runs in fp32 here regardless)",
    "moe_impl": "serving kernel choice",
    "moe_switch_token_num": "serving kernel choice",
    "use_longcat_dsa": "serving kernel choice; attention_method / the indexer tensors decide",
    "mtp_disable_over_tokenizer": "the MTP module's tensors decide whether it has N-gram tables",
    "quantization_config": "FP8 block scales are dequantised on load (128x128 checked)",
    "index_topk_pattern": "checked against cli_factor",
    "oe_embed_dim": "checked = hidden_size / number of N-gram tables",
    "num_nextn_predict_layers": "checked against the model.mtp.* tensors",
    "attention_method": "checked against the indexer tensors (LSA / MLA)",
    "num_hidden_layers": "checked against num_layers and the tensors",
}

# transformers / Meituan LongCat-Flash use eps 1e-6 on the q/kv latent norms
# (LongcatFlashRMSNorm's default); LongCat-2.0's serving code uses rms_norm_eps.
FLASH_LATENT_NORM_EPS = 1e-6

RENAMES = (
    (re.compile(r"^model\.mtp\.layers\.0\.enorm\.m\."), "model.mtp.enorm."),
    (re.compile(r"^model\.mtp\.layers\.0\.hnorm\.m\."), "model.mtp.hnorm."),
    (re.compile(r"^model\.mtp\.layers\.0\.eh_proj\."), "model.mtp.eh_proj."),
    (re.compile(r"^model\.mtp\.layers\.0\.transformer_layer\.mlp\."), "model.mtp.layers.0.mlp."),
    (
        re.compile(r"^(model(?:\.mtp)?)\.ngram_embeddings\.embedders\.(\d+)\."),
        r"\1.oe_embed_tokens\2.",
    ),
    (
        re.compile(r"^(model(?:\.mtp)?)\.ngram_embeddings\.post_projs\.(\d+)\."),
        r"\1.oe_embed_proj\2.",
    ),
)
ROTARY_BUFFER = re.compile(r"\.rotary_emb\.inv_freq$")
EXPERT = re.compile(r"^model\.layers\.(\d+)\.mlp\.experts\.(\d+)\.(gate_proj|up_proj|down_proj)\.")
LAYER = re.compile(r"^model\.layers\.(\d+)\.")
TABLE = re.compile(r"^model\.oe_embed_tokens(\d+)\.weight$")


def reference_name(name: str) -> str:
    """The reference's name for a checkpoint tensor name in any accepted layout."""
    for pattern, replacement in RENAMES:
        name = pattern.sub(replacement, name)
    return name


@dataclass
class Layout:
    """What the checkpoint holds: its config, and which of its tensors to read under which name."""

    config: LongcatConfig
    names: dict[str, str]  # checkpoint name -> reference name (tensors to load)
    dropped: dict[str, str] = field(default_factory=dict)  # checkpoint name -> why not loaded


def read_config_json(path: Path) -> dict[str, Any]:
    file = path / "config.json"
    if not file.exists():
        raise UserFacingError(f"No config.json in {path}: give a LongCat checkpoint directory")
    try:
        raw = json.loads(file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UserFacingError(f"{file}: not valid JSON ({e})") from None
    if not isinstance(raw, dict):
        raise UserFacingError(f"{file}: expected a JSON object")
    return raw


def resolve_layout(path: Path, raw: dict[str, Any], checkpoint_names: list[str]) -> Layout:
    """The config and the name map for a checkpoint (config.json dict + its tensor names)."""
    where = f"{path / 'config.json'}"
    fields = _merge_aliases(raw, where)
    _check_identity(fields, where)
    names, dropped = _map_names(checkpoint_names, fields)
    present = set(names.values())
    kwargs = _config_kwargs(fields, present, names, dropped, where)
    try:
        config = LongcatConfig(**kwargs)
    except ValueError as e:
        raise UserFacingError(f"{where}: {e}") from None
    return Layout(config, names, dropped)


def _merge_aliases(raw: dict[str, Any], where: str) -> dict[str, Any]:
    fields = {k: v for k, v in raw.items() if v is not None}
    for canonical, others in ALIASES.items():
        spelt = {k: fields.pop(k) for k in (canonical, *others) if k in fields}
        if not spelt:
            continue
        values = {k: _normalise(canonical, v) for k, v in spelt.items()}
        if len({json.dumps(v, sort_keys=True) for v in values.values()}) > 1:
            shown = " and ".join(f"{k}={v!r}" for k, v in spelt.items())
            raise UserFacingError(f"{where}: {shown} are one field with two values: keep one")
        fields[canonical] = next(iter(values.values()))
    return fields


def _normalise(canonical: str, value: Any) -> Any:
    if canonical == "index_k_norm":
        return NORM_SPELLINGS.get(str(value), value)
    if isinstance(value, int) and not isinstance(value, bool) and canonical.endswith("ratio"):
        return float(value)
    return value


def _check_identity(fields: dict[str, Any], where: str) -> None:
    archs = fields.get("architectures") or []
    unknown = [a for a in archs if a not in ARCHITECTURES]
    if unknown:
        raise UserFacingError(
            f"{where}: architectures {unknown} is not a LongCat model (known: {ARCHITECTURES})"
        )
    model_type = fields.get("model_type")
    if model_type is not None and model_type not in MODEL_TYPES:
        raise UserFacingError(
            f"{where}: model_type={model_type!r} is not a LongCat model (known: {MODEL_TYPES})"
        )
    for key, allowed in FIXED.items():
        if key in fields and fields[key] not in allowed:
            raise UserFacingError(
                f"{where}: {key}={fields[key]!r} is not implemented by the reference "
                f"(supported: {allowed[0]!r})"
            )
    quant = fields.get("quantization_config")
    if quant is not None:
        method = quant.get("quant_method", "fp8") if isinstance(quant, dict) else None
        block = quant.get("weight_block_size") if isinstance(quant, dict) else None
        if method != "fp8" or block not in (None, [128, 128]):
            raise UserFacingError(
                f"{where}: quantization_config {quant} is not supported (only FP8 with "
                "128x128 block scales)"
            )


def _map_names(checkpoint_names: list[str], fields: dict[str, Any]):
    """checkpoint -> reference names, dropping what no implementation reads."""
    with_down = {
        (m.group(1), m.group(2))
        for n in checkpoint_names
        if (m := EXPERT.match(n)) and m.group(3) == "down_proj"
    }
    names: dict[str, str] = {}
    dropped: dict[str, str] = {}
    owner: dict[str, str] = {}
    for name in checkpoint_names:
        if ROTARY_BUFFER.search(name):
            dropped[name] = "a rotary-embedding buffer (recomputed)"
            continue
        m = EXPERT.match(name)
        if m and m.group(3) != "down_proj" and (m.group(1), m.group(2)) not in with_down:
            expert = int(m.group(2))
            routed = fields.get("n_routed_experts")
            if routed is None or expert >= routed:
                # transformers' save_pretrained writes these rows for the identity experts
                dropped[name] = "an identity expert's gate/up rows (unused by every implementation)"
                continue
        ours = reference_name(name)
        if ours in owner:
            raise UserFacingError(
                f"the checkpoint holds both {owner[ours]} and {name}, two spellings of one "
                "tensor: remove one"
            )
        owner[ours] = name
        names[name] = ours
    return names, dropped


def _config_kwargs(fields, present: set[str], names, dropped, where: str) -> dict[str, Any]:
    ours = set(signature(LongcatConfig.__init__).parameters) - {"self", "kwargs"}
    for key in sorted(fields):
        if key not in ours and key not in IGNORED and key not in FIXED:
            logger.warning(
                "%s: config key %r is not understood by the LongCat reference and is ignored; "
                "check it does not change the model",
                where,
                key,
            )
    kwargs = {k: v for k, v in fields.items() if k in ours}
    rope = fields.get("rope_parameters") or fields.get("rope_scaling") or {}
    rope_dims = fields.get("qk_rope_head_dim", _default("qk_rope_head_dim"))
    if "head_dim" in fields and fields["head_dim"] != rope_dims:
        raise UserFacingError(
            f"{where}: head_dim={fields['head_dim']} but qk_rope_head_dim={rope_dims} "
            "(transformers' head_dim is the rope dims)"
        )
    if fields.get("rope_theta") is None and not (isinstance(rope, dict) and "rope_theta" in rope):
        raise UserFacingError(
            f"{where}: no rope_theta (neither top level nor in rope_parameters / rope_scaling); "
            "add the checkpoint's RoPE base"
        )
    for name in ("rope_parameters", "rope_scaling"):
        value = fields.get(name)
        known = {
            "rope_type", "type", "rope_theta", "factor", "original_max_position_embeddings",
            "beta_fast", "beta_slow", "mscale", "mscale_all_dim", "attention_factor",
            "truncate", "partial_rotary_factor",
        }  # fmt: skip
        for key in sorted(set(value or {}) - known):
            logger.warning("%s: %s key %r is not understood and is ignored", where, name, key)

    kwargs["num_layers"] = _num_layers(fields, present, where)
    _indexer_switches(kwargs, fields, present, where)
    _ngram_switches(kwargs, fields, present, where)
    _mtp_switches(kwargs, fields, present, names, dropped, where)
    _agree(kwargs, "router_bias", "model.layers.0.mlp.router.classifier.bias" in present, where)
    flash = fields.get("model_type") == "longcat_flash" or (
        fields.get("model_type") is None
        and "LongcatFlashForCausalLM" in (fields.get("architectures") or [])
    )
    if flash and "mla_latent_norm_eps" not in fields:
        kwargs["mla_latent_norm_eps"] = FLASH_LATENT_NORM_EPS
    if isinstance(kwargs.get("routed_scaling_factor"), int):
        kwargs["routed_scaling_factor"] = float(kwargs["routed_scaling_factor"])
    return kwargs


def _default(name: str) -> Any:
    return signature(LongcatConfig.__init__).parameters[name].default


def _agree(kwargs: dict[str, Any], key: str, found: bool, where: str, hint: str = "") -> None:
    """Set switch `key` from the tensors, refusing a config value that says otherwise."""
    if key in kwargs and bool(kwargs[key]) != found:
        what = "has" if found else "has no"
        raise UserFacingError(
            f"{where}: {key}={kwargs[key]!r} but the checkpoint {what} the tensors it implies"
            f"{hint}: set {key} to {str(found).lower()} or remove it"
        )
    kwargs[key] = found


def _num_layers(fields, present: set[str], where: str) -> int:
    found = sorted({int(m.group(1)) for n in present if (m := LAYER.match(n))})
    if found != list(range(len(found))):
        raise UserFacingError(f"the checkpoint's decoder layers are not 0..N-1: {found[:8]}...")
    count = len(found)
    stated = fields.get("num_layers")
    blocks = fields.get("num_hidden_layers")
    if stated is not None and blocks is not None and blocks not in (stated, 2 * stated):
        raise UserFacingError(
            f"{where}: num_layers={stated} and num_hidden_layers={blocks} disagree "
            f"(num_hidden_layers counts {2 * stated} attention blocks or {stated} layers): "
            "keep only num_layers"
        )
    if stated is None and blocks is not None:
        stated = count if blocks in (count, 2 * count) else blocks
    if stated is not None and stated != count:
        raise UserFacingError(
            f"{where}: num_layers={stated} but the checkpoint holds {count} decoder layers "
            "(model.layers.*): fix num_layers"
        )
    return count


def _indexer_switches(kwargs, fields, present: set[str], where: str) -> None:
    method = fields.get("attention_method")
    if method is not None:
        if method not in ("LSA", "DSA", "MLA"):
            raise UserFacingError(f"{where}: attention_method={method!r} (known: LSA, MLA)")
        sparse = method != "MLA"
        if kwargs.get("use_indexer", sparse) != sparse:
            raise UserFacingError(
                f"{where}: attention_method={method} and use_indexer={kwargs['use_indexer']} "
                "disagree: keep one"
            )
        kwargs["use_indexer"] = sparse
    has = any(".self_attn.0.indexer." in n for n in present if n.startswith("model.layers."))
    _agree(kwargs, "use_indexer", has, where, " (model.layers.*.self_attn.0.indexer.*)")
    if not has:
        return
    cli = 1 if any(".self_attn.1.indexer." in n for n in present) else 2
    if kwargs.get("cli_factor", cli) != cli:
        raise UserFacingError(
            f"{where}: cli_factor={kwargs['cli_factor']} but the checkpoint has an indexer in "
            f"{'both sub-layers' if cli == 1 else 'sub-layer 0 only'}: set cli_factor to {cli}"
        )
    kwargs["cli_factor"] = cli
    pattern = fields.get("index_topk_pattern")
    if pattern is not None:
        expected = ["C" if cli == 1 or i % 2 == 0 else "S" for i in range(len(pattern))]
        if list(pattern) != expected:
            raise UserFacingError(
                f"{where}: index_topk_pattern {''.join(pattern)[:16]}... is not the "
                f"{'C' if cli == 1 else 'CS'} pattern cli_factor={cli} implements"
            )
    layernorm = any(n.endswith(".indexer.k_norm.bias") for n in present)
    norm = "layernorm" if layernorm else "rms"
    if kwargs.get("index_k_norm", norm) != norm:
        raise UserFacingError(
            f"{where}: index_k_norm={kwargs['index_k_norm']!r} but the indexer k_norm tensors "
            f"are a{' LayerNorm (with bias)' if layernorm else 'n RMSNorm (no bias)'}: set {norm!r}"
        )
    kwargs["index_k_norm"] = norm


def _ngram_switches(kwargs, fields, present: set[str], where: str) -> None:
    tables = sorted(int(m.group(1)) for n in present if (m := TABLE.match(n)))
    has = bool(tables)
    if "use_ngram_embedding" not in kwargs and "oe_vocab_size_ratio" in fields:
        kwargs["use_ngram_embedding"] = True  # SGLang: the oe_* fields switch it on
    _agree(kwargs, "use_ngram_embedding", has, where, " (model.oe_embed_tokens{i})")
    if not has:
        return
    missing = [
        k for k in ("oe_vocab_size_ratio", "oe_neighbor_num", "oe_split_num") if k not in fields
    ]
    if missing:
        raise UserFacingError(
            f"{where}: the checkpoint has N-gram tables but config.json lacks {missing}"
        )
    expected = (fields["oe_neighbor_num"] - 1) * fields["oe_split_num"]
    if tables != list(range(expected)):
        raise UserFacingError(
            f"{where}: oe_neighbor_num={fields['oe_neighbor_num']}, oe_split_num="
            f"{fields['oe_split_num']} imply {expected} N-gram tables; the checkpoint has "
            f"{len(tables)}"
        )
    dim = fields.get("oe_embed_dim")
    if dim is not None and dim * expected != fields.get("hidden_size", dim * expected):
        raise UserFacingError(
            f"{where}: oe_embed_dim={dim} x {expected} tables != hidden_size "
            f"{fields.get('hidden_size')} (the reference splits hidden_size over the tables)"
        )


def _mtp_switches(kwargs, fields, present: set[str], names, dropped, where: str) -> None:
    has = any(n.startswith("model.mtp.") for n in present)
    extra = sorted(
        {int(m.group(1)) for n in present if (m := re.match(r"model\.mtp\.layers\.(\d+)\.", n))}
    )
    if extra and extra != [0]:
        raise UserFacingError(
            f"the checkpoint has MTP layers {extra}; the reference implements one shared MTP "
            "module (model.mtp.layers.0)"
        )
    wanted = kwargs.get("num_nextn_predict_layers")
    steps = kwargs.get("mtp_num_steps")
    if steps == 0:
        wanted = 0
        kwargs.pop("mtp_num_steps")
    if has and wanted == 0:
        for name, ours in list(names.items()):
            if ours.startswith("model.mtp."):
                dropped[name] = "MTP switched off in config.json"
                del names[name]
        logger.warning("%s: MTP switched off by config.json; its tensors are not loaded", where)
        kwargs["num_nextn_predict_layers"] = 0
        return
    if wanted and not has:
        logger.warning(
            "%s: config.json declares an MTP module but the checkpoint has no model.mtp.* "
            "tensors: MTP is off (-M mtp=true unavailable)",
            where,
        )
    kwargs["num_nextn_predict_layers"] = int(has)
    if has:
        _agree(
            kwargs, "mtp_use_ngram_embedding", "model.mtp.oe_embed_tokens0.weight" in present, where
        )
