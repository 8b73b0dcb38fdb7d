"""The OpenAI-compatible subset: POST /v1/chat/completions (streaming or not) and GET /v1/models.

The last user message is the question, earlier user / assistant messages the history (a Sources block this server
appended is taken off again); system and developer messages are accepted and ignored, because instructions never
change how the assistant answers. The content is the verified answer followed by a "Sources" block, so any chat client
shows the citations; they also travel as data in `citations` and the whole /v1/ask object in `grounded`.

Streaming sends only verified text: a chat client appends every delta and cannot take one back, so the LLM's draft
is not streamed here (use /v1/ask for drafts). The role chunk goes out at once, `: ping` comments keep the connection
while the answer is made, then the content, then a final chunk with `finish_reason` and `citations`, then `[DONE]`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from fastapi.sse import EventSourceResponse

from assistant.api.access import AnswerCaller, Caller, OtherCaller, rate_headers
from assistant.api.audit import dumps
from assistant.api.compare import with_comparisons
from assistant.api.errors import ApiError, stream_error
from assistant.api.records import SSE, mark_delivered, record_answer
from assistant.api.render import chat_content, strip_sources
from assistant.api.schemas import CHAT_EVENTS, ERRORS, ChatRequest
from assistant.api.streaming import PING, SSE_HEADERS, answer_events, sse, sse_json
from assistant.api.usage import token_counter, usage

router = APIRouter(tags=["OpenAI-compatible"])
PREFIX = "grounded-"
STARTED = int(time.time())


def model_id(engine: str) -> str:
    return PREFIX + engine


def _engine_of(request: Request, model: str | None) -> str:
    """The engine a model name asks for: `grounded-ENGINE`, a bare engine name, or unset / `grounded` (default)."""
    service = request.app.state.service
    if model in (None, "", "grounded"):
        return service.check_engine(None)
    name = model.removeprefix(PREFIX)
    from assistant.api.service import engine_names

    if name not in engine_names():  # OpenAI's own answer to an unknown model: 404 `model_not_found`
        known = ", ".join(model_id(e) for e in service.engines())
        raise ApiError(404, f"unknown model {model!r}; models: {known}", "model_not_found", param="model")
    return service.check_engine(name, param="model")


def _text(content, i: int) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = []
    for part in content:
        if not isinstance(part, dict) or part.get("type") != "text" or not isinstance(part.get("text"), str):
            raise ApiError(422, f"messages[{i}].content: only text parts are supported", "invalid_request",
                           param=f"messages[{i}].content")
        parts.append(part["text"])
    return "\n".join(parts)


def conversation(body: ChatRequest) -> tuple[str, list[dict]]:
    """(question, history) from the messages; 422 when the last message is not the user's."""
    turns: list[dict] = []
    for i, m in enumerate(body.messages):
        if m.role in ("system", "developer"):
            continue
        if m.role not in ("user", "assistant"):
            raise ApiError(422, f"messages[{i}].role: {m.role!r} is not supported (user, assistant, system)",
                           "invalid_request", param=f"messages[{i}].role")
        text = _text(m.content, i)
        turns.append({"role": m.role, "content": strip_sources(text) if m.role == "assistant" else text})
    if not turns or turns[-1]["role"] != "user":
        raise ApiError(422, "the last message must be the user's question", "invalid_request", param="messages")
    question = turns.pop()["content"]
    if not question.strip():
        raise ApiError(422, "messages: the question is empty", "invalid_request", param="messages")
    return question, turns


def _base(answer: dict, model: str, kind: str) -> dict:
    return {"id": f"chatcmpl-{answer['request_id']}", "object": kind, "created": int(time.time()), "model": model,
            "system_fingerprint": f"{answer.get('corpus_version')}:{answer.get('settings_hash')}"}


def completion(answer: dict, model: str, usage: dict | None = None) -> dict:
    """A `chat.completion` object for the answer, with `usage` (assistant.api.usage), `citations` and `grounded`
    (the /v1/ask object)."""
    return {**_base(answer, model, "chat.completion"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": chat_content(answer)},
                         "logprobs": None, "finish_reason": "stop"}],
            "usage": usage, "citations": answer["citations"], "grounded": answer}


CHAT_RESPONSES = {200: {"description": "A `chat.completion` (JSON), or `chat.completion.chunk` server-sent events when "
                        "`stream` is true", "content": {"application/json": {"schema": {"type": "object"}},
                                                        "text/event-stream": {"schema": CHAT_EVENTS}}}, **ERRORS}


@router.post("/v1/chat/completions", responses=CHAT_RESPONSES, response_model=None, summary="OpenAI-compatible chat")
async def chat_completions(body: ChatRequest, request: Request, who: AnswerCaller) -> Response:
    """The answer to the last user message, as an OpenAI `chat.completion` (or `chat.completion.chunk` events),
    with `usage` (word pieces of the question and history, and of the content: assistant.api.usage); streaming
    with `stream_options: {"include_usage": true}` adds a last chunk with `usage` and no choices."""
    started = time.perf_counter()
    service = request.app.state.service
    engine = _engine_of(request, body.model)
    question, history = conversation(body)
    service.check_question(question, len(history), param="messages")
    count = token_counter(service.require().embedder)
    model = model_id(engine)
    fields = {"endpoint": "/v1/chat/completions", "question": question, "history": history, "filters": None,
              "stream": body.stream}
    if body.stream:
        with_usage = bool(body.stream_options and body.stream_options.include_usage)
        return EventSourceResponse(_chunks(request, who, fields, engine, model, started, count, with_usage),
                                   headers={**SSE_HEADERS, **rate_headers(request)})
    ans = with_comparisons((await service.answer(question, history, engine, None)).as_dict())
    raw = dumps(completion(ans, model, usage(count, question, history, chat_content(ans)))).encode("utf-8")
    record_answer(request, who, answer=ans, body=raw, started=started, confirm=True, **fields)  # before sending
    return Response(raw, media_type="application/json",
                    headers={"X-Request-ID": ans["request_id"], **rate_headers(request)},
                    background=mark_delivered(request, ans["request_id"]))


async def _chunks(request: Request, who: Caller, fields: dict, engine: str, model: str, started: float,
                  count, with_usage: bool) -> AsyncIterator[bytes]:
    """The chunks. Once the answer is made, it is recorded with the whole stream (every byte sent so far and the
    chunks still to send, `[DONE]` included) before the first of those chunks is sent, and marked delivered once the
    stream has ended with every recorded byte sent (`sent` gets a chunk once the server has asked for the next one,
    i.e. it went out; not when the client left)."""
    service = request.app.state.service
    request_id = uuid.uuid4().hex[:16]  # chosen now: every chunk carries the same id, the answer's request id
    head = {"id": f"chatcmpl-{request_id}", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": model}
    extra = {"usage": None} if with_usage else {}  # as OpenAI: with include_usage, every other chunk has usage null

    def chunk(base: dict, delta: dict, finish: str | None = None, **more) -> bytes:
        return sse_json(None, {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                                    "finish_reason": finish}], **extra, **more})

    sent: list[bytes] = []
    recorded: bytes | None = None
    done = sse(None, "[DONE]")
    try:
        first = chunk(head, {"role": "assistant", "content": ""})
        yield first
        sent.append(first)
        async for kind, value in answer_events(service, fields["question"], fields["history"], engine, None,
                                                 request_id=request_id):
            if kind == "token":  # the chat stream sends the verified answer only
                continue
            rest = [PING]
            if kind == "answer":
                ans = with_comparisons(value.as_dict())
                rest = [*_answer_chunks(ans, model, chunk, with_usage, count, fields), done]
                recorded = b"".join([*sent, *rest])
                record_answer(request, who, answer=ans, body=recorded, started=started, response_type=SSE,
                              confirm=True, **fields)
            for event in rest:
                yield event
                sent.append(event)
    except Exception as exc:  # after the headers went out, the error can only be a chunk
        event = sse_json(None, stream_error(exc, "streamed chat completion"))
        yield event
        sent.append(event)
    if not sent or sent[-1] != done:
        yield done
        sent.append(done)
    if recorded is not None and b"".join(sent) == recorded:
        request.app.state.audit.delivered(request_id)


def _answer_chunks(ans: dict, model: str, chunk, with_usage: bool, count, fields: dict) -> list[bytes]:
    """The chunks of a made answer: its text, its Sources block, the final chunk (`finish_reason` "stop",
    `citations`, `grounded`) and, with `include_usage`, the usage chunk (no choices)."""
    base = _base(ans, model, "chat.completion.chunk")
    content = chat_content(ans)
    out = [chunk(base, {"content": ans["answer"]})]
    if content[len(ans["answer"]):]:
        out.append(chunk(base, {"content": content[len(ans["answer"]):]}))
    out.append(chunk(base, {}, "stop", citations=ans["citations"], grounded=ans))
    if with_usage:
        out.append(sse_json(None, {**base, "choices": [], "usage": usage(count, fields["question"],
                                                                         fields["history"], content)}))
    return out


@router.get("/v1/models", responses=ERRORS, summary="The models (one per available engine)")
async def list_models(request: Request, who: OtherCaller) -> JSONResponse:
    """OpenAI's model list: `grounded-extractive`, and `grounded-llm` when an LLM is configured and installed."""
    return JSONResponse({"object": "list", "data": [_model(e) for e in request.app.state.service.engines()]},
                        headers=rate_headers(request))


@router.get("/v1/models/{model}", responses=ERRORS, summary="One model")
async def get_model(model: str, request: Request, who: OtherCaller) -> JSONResponse:
    engines = request.app.state.service.engines()
    if model.removeprefix(PREFIX) not in engines:
        raise ApiError(404, f"no model {model!r}; models: {', '.join(model_id(e) for e in engines)}",
                       "model_not_found", param="model")
    return JSONResponse(_model(model.removeprefix(PREFIX)), headers=rate_headers(request))


def _model(engine: str) -> dict:
    return {"id": model_id(engine), "object": "model", "created": STARTED, "owned_by": "grounded"}
