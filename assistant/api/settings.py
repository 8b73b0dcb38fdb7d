"""Settings of the HTTP edge: limits, keys, rate limits, CORS, the audit log, serving.

They extend the assistant settings under `GROUNDED_API__*` (`GROUNDED_API__RATE_LIMIT="60/minute"`), plus the
shared state of a deployment with several workers: `GROUNDED_AUDIT__URL=postgresql://user@host/db` (the audit log on
PostgreSQL; the older `GROUNDED_API__AUDIT_URL` still works) and `GROUNDED_LIMITS__STORAGE_URL=redis://host:6379/0`
(rate limits counted in Redis, the same for every worker). None of them shapes an answer, so they stay out of the
settings hash that every answer records.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import NoDecode

from assistant.settings import AssistantSettings
from kernel.settings import load_settings


class ApiSettings(BaseModel):
    max_question_chars: int = Field(4000, ge=1, description="Longest question accepted, in characters (422 beyond); "
                                    "`answer()` has its own limit (4,000), so a higher value does not raise it.")
    max_history_turns: int = Field(50, ge=0, description="Earlier turns accepted in `history` / `messages`.")
    max_body_bytes: int = Field(256 * 1024, ge=1024, description="Largest request body, in bytes: 413 beyond, "
                                "refused from Content-Length or while reading, never read whole.")
    rate_limit: str = Field("120/minute", description="Answers (/v1/ask, /v1/chat/completions) per API key, or per "
                            "client address when no keys are configured, in the `limits` notation "
                            "(`10/second;600/hour`); empty: no limit. A key may carry its own (`keys add --rate`).")
    rate_limit_other: str = Field("1200/minute", description="Other /v1 requests (documents, feedback, replay) "
                                  "per key or address; empty: no limit.")
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list, description="Origins allowed to call "
                                                         "the API from a browser (CORS), a JSON list or comma-separated; "
                                                         "empty: CORS off.")
    keys_file: Path | None = Field(None, description="API key hashes (JSON); unset: GROUNDED_HOME/api_keys.json.")
    audit_url: str | None = Field(None, description="The older name of GROUNDED_AUDIT__URL (that one wins when "
                                  "both are set).")
    audit_retention_days: int = Field(0, ge=0, description="Audit rows older than this are purged (at start-up, "
                                      "then hourly); 0 keeps them forever.")
    audit_queue: int = Field(10_000, ge=1, description="Audit rows waiting to be written at most; beyond, a row "
                             "is dropped, logged and counted (the answer is never held back).")
    answer_threads: int = Field(4, ge=1, description="Answers computed at once per process (a thread pool off the "
                                "event loop; the local LLM itself answers one at a time).")
    llm_deadline_s: float = Field(90.0, gt=0, description="An LLM answer still being written after this many seconds "
                                  "is abandoned for the extractive answer, with a warning.")
    warm_up: bool = Field(True, description="Answer one question at start-up so the first user does not pay for "
                          "lazy model initialisation.")
    preload_llm: bool = Field(True, description="Load the LLM at start-up when one is configured and installed.")
    graceful_shutdown_s: float = Field(30.0, ge=0, description="On SIGTERM / Ctrl-C, seconds given to requests in "
                                       "flight before they are cancelled.")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split(cls, value):
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import json

                return json.loads(text)
            return [v.strip() for v in text.split(",") if v.strip()]
        return value


class AuditSettings(BaseModel):
    url: str | None = Field(None, description="SQLAlchemy URL of the audit log, e.g. `postgresql://user:pw@host/db` "
                            "(driver psycopg 3) or `sqlite:////path/audit.sqlite`; unset: GROUNDED_API__AUDIT_URL, "
                            "else SQLite (WAL) at GROUNDED_HOME/audit.sqlite.")


class LimitsSettings(BaseModel):
    storage_url: str | None = Field(None, description="Where rate-limit counters live, in the `limits` library's "
                                    "notation: `redis://host:6379/0` shares them across workers and hosts; unset or "
                                    "`memory://`: each worker process counts on its own.")


class ServerSettings(AssistantSettings):
    """Assistant settings plus the HTTP edge's, and where the state shared by several workers lives."""

    api: ApiSettings = ApiSettings()
    audit: AuditSettings = AuditSettings()
    limits: LimitsSettings = LimitsSettings()

    @property
    def keys_path(self) -> Path:
        return self.api.keys_file or self.home / "api_keys.json"

    @property
    def audit_url(self) -> str:
        """GROUNDED_AUDIT__URL, else GROUNDED_API__AUDIT_URL, else SQLite under GROUNDED_HOME."""
        return self.audit.url or self.api.audit_url or f"sqlite:///{(self.home / 'audit.sqlite').resolve()}"


def load_server_settings(home: str | Path | None = None) -> ServerSettings:
    """Server settings from the environment; `home` (a `--home` flag) overrides GROUNDED_HOME. ConfigError if bad."""
    return load_settings(home, ServerSettings)
