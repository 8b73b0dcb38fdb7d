"""What the fast query paths (ingest.embed_query's TorchScript trace, ingest.embed_query_onnx's ONNX Runtime session)
both need to know of a model before they take over from `SentenceTransformer.encode`: whether it is a pipeline they
can reproduce (`model_keys`), and the probe texts each path must match `encode` on (`PROBES`).
"""

from __future__ import annotations

_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
PROBES = ("What did the guidance say?",
          "Is testing a Huawei Ascend 910D in Malaysia a violation of U.S. export controls under § 744.23?",
          "Which entities were added to the Entity List and when did the rule take effect? " * 30)
"""Short, long, and past the model's token limit (the third is truncated): a path must match `encode` on each."""


def model_keys(model) -> tuple[str, ...] | None:
    """The tokenizer outputs `model`'s transformer reads (input_ids, attention_mask[, token_type_ids]) when `model` is a
    plain Transformer -> Pooling [-> Normalize] pipeline (put in eval mode), else None: no fast path reproduces it."""
    names = [type(m).__name__ for m in model]
    if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return None
    features = model.preprocess([PROBES[1]])  # also "modality" (sentence-transformers 6), which the transformer ignores
    keys = tuple(k for k in _INPUTS if k in features)
    if "input_ids" not in keys or "attention_mask" not in keys:
        return None
    model.eval()
    return keys
