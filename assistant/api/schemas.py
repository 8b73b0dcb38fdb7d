"""Request and response shapes of the HTTP API (pydantic, at the edge only). The contract is API.md.

Requests are strict (an unknown field in /v1/ask is an error: a mistyped filter must not silently widen a search);
the OpenAI-compatible request accepts and ignores what it does not use. Response models document the shapes in
OpenAPI; the answer itself is served as `Answer.as_dict()` gives it, so fields the core adds pass through.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

SURROGATE = re.compile("[\ud800-\udfff]")

CHAT_ROLES = ("user", "assistant", "system", "developer")
ENGINE_HELP = "Answer engine: `extractive` (default, no LLM) or `llm`; GET /v1/models lists those available."


def _engine_enum(schema: dict) -> None:
    """The engines registered when the schema is made (assistant.engines), as the field's enum (or null)."""
    from assistant.api.service import engine_names

    schema["anyOf"] = [{"type": "string", "enum": list(engine_names())}, {"type": "null"}]


def _lone_surrogate(value, where: str = "") -> str | None:
    """Where in a JSON value (`[2].content`) a string holds a lone UTF-16 surrogate (JSON `"\\ud800"`, or the bytes
    ED A0 80 that Python's json reads with surrogatepass), with its code point; None when there is none."""
    if isinstance(value, str):
        found = SURROGATE.search(value)
        return f"{where} U+{ord(found.group()):04X} at character {found.start()}" if found else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _lone_surrogate(item, f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}")
        if found:
            return found
    return None


class Request(BaseModel):
    """A request model whose every field refuses text that is not Unicode: a lone surrogate cannot be encoded as
    UTF-8 (the audit log, the answer) and would fail later as a 500; here it is a 422 naming the field."""

    @field_validator("*", mode="after")  # after: a nested model has checked its own fields (full path)
    @classmethod
    def _unicode(cls, value):
        found = _lone_surrogate(value)
        if found:
            raise ValueError(f"contains a lone surrogate ({found.strip()}), which is not text: send UTF-8")
        return value


class TurnIn(Request):
    """One earlier message of the conversation."""

    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)


class FiltersIn(Request):
    """Metadata filters: any of these publishers, published within [after, before] (inclusive)."""

    model_config = ConfigDict(extra="forbid")
    publisher: list[str] | str | None = Field(None, examples=[["CGTN"]])
    published_after: str | None = Field(None, examples=["2025-01-01"], description="YYYY-MM-DD",
                                        json_schema_extra={"format": "date"})
    published_before: str | None = Field(None, examples=["2025-12-31"], description="YYYY-MM-DD (not before "
                                         "`published_after`)", json_schema_extra={"format": "date"})

    @field_validator("published_after", "published_before")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"must be a date like 2025-05-14, not {value!r}") from None
        return value

    @field_validator("published_before")
    @classmethod
    def _range(cls, value: str | None, info: ValidationInfo) -> str | None:
        after = info.data.get("published_after")
        if value and after and after > value:
            raise ValueError(f"{value} is earlier than published_after ({after}): no date is in that range")
        return value

    @field_validator("publisher")
    @classmethod
    def _publishers(cls, value):
        names = [value] if isinstance(value, str) else value or []
        if any(not n.strip() for n in names):
            raise ValueError("publisher names must not be empty")
        return names or None


class AskRequest(Request):
    """POST /v1/ask."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"question": "Is testing a Huawei Ascend 910D in Malaysia a violation?"},
        {"question": "Would testing one of them in Malaysia be a violation?",
         "history": [{"role": "user", "content": "Which Ascend chips did the guidance name?"},
                     {"role": "assistant", "content": "The 910B, 910C and 910D [1]."}],
         "engine": "extractive", "filters": {"published_after": "2025-01-01"}}]})
    # the schema states what the validator and the service check (not empty or blank, at most the default limit), so
    # that generated clients and fuzzers send what is accepted; the checks keep their own messages
    question: str = Field(description="The question, not blank; at most GROUNDED_API__MAX_QUESTION_CHARS characters "
                          "(4,000 by default).", json_schema_extra={"minLength": 1, "maxLength": 4000,
                                                                     "pattern": r"\S"})
    history: list[TurnIn] = Field(default_factory=list, description="Earlier turns, oldest first.")
    engine: str | None = Field(None, description=ENGINE_HELP, json_schema_extra=_engine_enum)
    filters: FiltersIn | None = None
    stream: bool = Field(False, description="Server-sent events: `token` events as the LLM writes, then one "
                         "`answer` event with the verified answer (also chosen by `Accept: text/event-stream`).")

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is empty")
        return value


class FeedbackRequest(Request):
    """POST /v1/feedback."""

    model_config = ConfigDict(extra="forbid")
    request_id: str = Field(min_length=1, max_length=73, description="The `request_id` of an answer (or the `id` of "
                            "a chat completion, `chatcmpl-<request_id>`).")
    rating: Literal["up", "down"]
    comment: str | None = Field(None, max_length=4000)


class ChatMessageIn(Request):
    """An OpenAI chat message; text content as a string or a list of `{"type": "text", "text"}` parts."""

    model_config = ConfigDict(extra="allow")
    role: str = Field(json_schema_extra={"enum": list(CHAT_ROLES)}, description="`user` and `assistant` turns make the "
                      "conversation; `system` and `developer` messages are accepted and ignored.")
    content: str | list[dict] | None = None


class StreamOptions(Request):
    """OpenAI's `stream_options`: `include_usage` adds a last chunk with `usage` (and no choices)."""

    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatRequest(Request):
    """POST /v1/chat/completions: the OpenAI subset used (other fields are accepted and ignored)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"model": "grounded-extractive",
         "messages": [{"role": "user", "content": "Is testing a Huawei Ascend 910D in Malaysia a violation?"}]}]})
    model: str | None = Field(None, description="`grounded-extractive` or `grounded-llm` (GET /v1/models); "
                              "unset: the configured default engine.")
    messages: list[ChatMessageIn] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None


# --- response documentation --------------------------------------------------------------------------------------

class CitationOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int
    doc_id: str
    quote: str = Field(description="Verbatim: equals GET /v1/documents/{doc_id} `text[start:end]`.")
    start: int
    end: int
    title: str | None = None
    publisher: str | None = None
    published: str | None = None
    url: str | None = None
    score: float | None = None
    also_in: list[str] = Field(default_factory=list, description="Documents carrying the same passage.")


class ComparisonSourceOut(BaseModel):
    """One side of a comparison: which source, its date, its wording."""

    citation: int = Field(description="The id of its citation in `citations`.")
    doc_id: str
    source: str = Field(description="The source's name: its publisher, else its title.")
    published: str | None = Field(description="Its published date (YYYY-MM-DD), null when the document gives none.")
    wording: str = Field(description="Its own words for the claim: the citation's verbatim `quote`.")


class ComparisonOut(BaseModel):
    """Two cited sources that word one claim differently (`assistant.api.compare`)."""

    citations: list[int] = Field(min_length=2, max_length=2, description="The ids of the two citations compared, "
                                 "the firm (or newer) wording first; their `published` dates are in `citations`.")
    kind: Literal["hedged", "worded_differently", "conflict"] = Field(
        description="`hedged`: the second says only that it may be so; `worded_differently`: hedged or negated "
                    "differently; `conflict`: they give different figures or thresholds.")
    note: str = Field(description="How they differ, in one sentence.")
    sources: list[ComparisonSourceOut] = Field(min_length=2, max_length=2, description="The two sources, in the "
                                               "order of `citations`: name, date and wording of each.")


class AbstentionOut(BaseModel):
    """Why an answer abstained, as data (the answer's text says it in words)."""

    model_config = ConfigDict(extra="allow")
    reason: Literal["not_in_documents", "language", "filters_match_nothing"] = Field(
        description="`not_in_documents`: the documents do not say; `language`: no passage matched a question in a "
                    "language the index is not searched in (the documents may still say, in the index's language); "
                    "`filters_match_nothing`: the request's filters admit no indexed document, so nothing was "
                    "searched.")
    never_mentioned: list[str] = Field(default_factory=list, description="Names of the question no indexed document "
                                       "mentions (at most 3).")
    language: str | None = Field(default=None, description="With `language`: the question's ISO 639-1 code.")
    name: str | None = Field(default=None, description="With `language`: the language's English name.")


class AskResponse(BaseModel):
    """The answer (`Answer.as_dict()`); fields may be added, never removed without /v2."""

    model_config = ConfigDict(extra="allow")
    answer: str = Field(description="Text with [n] markers; each has exactly one citation with id n.")
    abstained: bool
    citations: list[CitationOut]
    engine: str
    corpus_version: str
    request_id: str
    timings_ms: dict[str, float]
    warnings: list[str]
    abstention: AbstentionOut | None = Field(default=None, description="Why the answer abstained; null when it "
                                             "answered.")
    comparisons: list[ComparisonOut] = Field(default_factory=list, description="Cited sources that word one claim "
                                             "differently, to show side by side; [] when none do or the answer "
                                             "abstained. Also in the final `answer` event of a stream.")


def sse_events(events: list[str] | None, data: str) -> dict:
    """The OpenAPI schema of a server-sent event stream's events (OpenAPI 3.2's form for `text/event-stream`: one
    object per event, `data` a string; `event` one of `events`, or absent when None)."""
    props: dict = {"data": {"type": "string", "description": data},
                   "id": {"type": "string"}, "retry": {"type": "integer", "minimum": 0}}
    if events:
        props["event"] = {"type": "string", "enum": events}
    return {"type": "object", "required": ["data"], "properties": props}


ASK_EVENTS = sse_events(["token", "answer", "error"], "JSON: `token` {\"text\"}, `answer` the /v1/ask object plus "
                        "`draft_replaced`, `error` the error object plus `status`")
CHAT_EVENTS = sse_events(None, "JSON: a `chat.completion.chunk` (or an error object), then the string `[DONE]`")


class ErrorDetail(BaseModel):
    code: str
    message: str
    param: str | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail


ERRORS = {status: {"model": ErrorOut, "description": text} for status, text in {
    400: "The body is not JSON", 401: "Missing or wrong API key", 413: "Body too large",
    404: "Unknown document, answer (request_id) or model",
    415: "Content-Type is not application/json", 422: "Invalid request (the message names the field)",
    429: "Rate limited (see Retry-After)", 503: "Index, LLM or audit log unavailable"}.items()}
