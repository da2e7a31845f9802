"""Checkpoint layouts the local reference must load without hand edits, and the config fields
that must never be read silently wrong: the RoPE base where transformers 5 writes it, the layer
count spelt two ways, and conflicting spellings of one field."""

from __future__ import annotations

import pytest

pytest.importorskip("torch", reason="the `local` extra (torch) is not installed")

from longcat_evals.model_adapter.reference.configuration import LongcatConfig  # noqa: E402


def test_rope_theta_inside_rope_parameters_only_is_read():
    # transformers 5's save_pretrained writes no top-level rope_theta
    config = LongcatConfig(rope_parameters={"rope_type": "default", "rope_theta": 10000.0})
    assert config.rope_theta == 10000.0 and not (config.rope_parameters or {}).get("factor")
    yarn = {"rope_type": "yarn", "rope_theta": 5e4, "factor": 4.0}
    yarn["original_max_position_embeddings"] = 512
    config = LongcatConfig(rope_parameters=yarn)
    assert config.rope_theta == 5e4 and config.rope_parameters["factor"] == 4.0


YARN = {"type": "yarn", "original_max_position_embeddings": 8}


@pytest.mark.parametrize(
    "fields, named",
    [
        ({"rope_theta": 1e6, "rope_parameters": {"rope_theta": 1e4}}, "rope_parameters.rope_theta"),
        (
            {"rope_scaling": dict(YARN, factor=4), "rope_parameters": dict(YARN, factor=8)},
            "disagree",
        ),
        ({"rope_scaling": {"rope_type": "linear", "factor": 2.0}}, "linear"),
        ({"num_layers": 38, "num_hidden_layers": 50}, "num_hidden_layers=50"),
    ],
)
def test_conflicting_or_unsupported_fields_are_refused(fields, named):
    with pytest.raises(ValueError, match=named) as e:
        LongcatConfig(**fields)
    assert "\n" not in str(e.value)


def test_layer_count_spelt_either_way_never_resizes_the_model():
    # transformers counts attention blocks (2 per layer), SGLang's configs count layers
    assert LongcatConfig(num_layers=38, num_hidden_layers=76).num_layers == 38
    assert LongcatConfig(num_layers=38, num_hidden_layers=38).num_layers == 38
