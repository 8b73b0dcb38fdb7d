"""Settings of the answering side: retrieval depth, abstention, the default engine and the LLM backend.

They extend the ingest settings (same `GROUNDED_` prefix, `__` for nesting): `GROUNDED_ANSWER__ENGINE=llm`,
`GROUNDED_LLM__BACKEND=openai`, `GROUNDED_LLM__URL=http://127.0.0.1:8080/v1`, `GROUNDED_LLM__API_KEY=...`.
"""

from __future__ import annotations

import hashlib
import json
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr

from ingest.shaping import shaping
from kernel.settings import Settings, load_settings


class RetrieveSettings(BaseModel):
    dense_k: int = Field(40, ge=1, description="Chunks taken from the dense (Chroma) ranking.")
    lexical_k: int = Field(40, ge=1, description="Chunks taken from the BM25 ranking.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant: 1 / (rrf_k + rank).")
    passages: int = Field(8, ge=1, description="Fused chunks whose sentences the engines consider.")
    per_document: int = Field(2, ge=1, description="Chunks of one document among them at most, while other "
                              "documents have candidates (one long article must not crowd out the rest).")


class AnswerSettings(BaseModel):
    engine: str = Field("extractive", description="Default answer engine: `extractive` (no LLM) or `llm`.")
    max_sentences: int = Field(4, ge=1, description="Evidence sentences in an extractive answer at most.")
    min_relevance: float = Field(0.40, description="Best evidence score under which the assistant abstains. "
                                 "Calibrated: the highest floor that keeps every answerable golden question "
                                 "answered and ClapNQ's false abstention near 10%.")
    embed_chunks: int = Field(0, ge=0, description="Top chunks whose sentences are embedded at query time for scoring "
                              "(cached); other sentences use their chunk's cosine. 0: measured as good on the golden "
                              "set and ClapNQ, and it keeps a 100k-chunk index under 150 ms (4 took ~270 ms p50).")
    support_threshold: float = Field(0.6, description="Support score a sentence needs from the passage it cites.")
    answerability_threshold: float | None = Field(
        None, ge=0.0, le=1.0, description="Probability of answerability under which the assistant abstains; unset: "
        "the operating point chosen from the cross-validated risk-coverage curve (assistant/answerability.json).")


class LLMSettings(BaseModel):
    backend: str = Field("llamacpp", description="`llamacpp` (a local GGUF file) or `openai` (any OpenAI-compatible "
                         "server); the registered backends (assistant.llm.BACKENDS).")
    model_path: Path | None = Field(None, description="GGUF file for `llamacpp`; unset: the bundled "
                                    "Qwen2.5-Coder-1.5B-Instruct assembled from the `llm` extra's packages.")
    url: str | None = Field(None, description="Base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1.")
    model: str = Field("local", description="Model name sent to an OpenAI-compatible server.")
    api_key: SecretStr | None = Field(None, description="API key for the OpenAI-compatible server (environment only).")
    max_tokens: int = Field(256, ge=1, description="Tokens the LLM may generate per answer.")
    temperature: float = Field(0.0, ge=0.0, description="Sampling temperature (0: deterministic).")
    context_window: int = Field(4096, ge=512, description="Context window of the local model, in tokens.")
    threads: int = Field(2, ge=1, description="CPU threads for the local model.")
    timeout_s: float = Field(120.0, gt=0, description="Seconds to wait for a remote LLM.")


class AssistantSettings(Settings):
    """Ingest settings plus retrieval, answering and LLM settings."""

    retrieve: RetrieveSettings = RetrieveSettings()
    answer: AnswerSettings = AnswerSettings()
    llm: LLMSettings = LLMSettings()

    @cached_property
    def settings_hash(self) -> str:
        """Hash of everything that shapes an answer (the index's shaping, retrieval, answering, LLM choice)."""
        llm = self.llm.model_dump(exclude={"api_key", "timeout_s"}, mode="json")
        from assistant.answerability import load, model_path

        model = load(model_path(self.embed.model))
        from assistant.injection import MODEL_PATH

        detector = hashlib.sha256(MODEL_PATH.read_bytes()).hexdigest()[:12] if MODEL_PATH.exists() else None
        blob = {"index": shaping(self), "retrieve": self.retrieve.model_dump(),
                "answer": self.answer.model_dump(), "llm": llm, "answerability": model.digest if model else None,
                "injection": detector}
        return hashlib.sha256(json.dumps(blob, sort_keys=True, default=str).encode()).hexdigest()[:12]


def load_assistant_settings(home: str | Path | None = None) -> AssistantSettings:
    """Assistant settings from the environment; `home` (a `--home` flag) overrides GROUNDED_HOME."""
    return load_settings(home, AssistantSettings)
