"""Streaming an answer: tokens from the answering thread to the event loop, then server-sent events.

`answer_events` runs the answer in the thread pool and yields `("token", text)` as the LLM writes, `("ping", None)`
every KEEPALIVE_S seconds of silence (so proxies keep the connection), then `("answer", Answer)`. When the client
disconnects, the generator is closed and the answering thread stops at its next token. Events are written with
FastAPI's own SSE encoder (`fastapi.sse.format_sse_event`, FastAPI >= 0.135), so no extra package is needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator

from fastapi.sse import format_sse_event

from assistant.api.audit import dumps
from assistant.api.service import Service

KEEPALIVE_S = 15.0
PING = b": ping\n\n"
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


async def answer_events(service: Service, question: str, history: list[dict], engine: str,
                        filters: dict | None, keepalive: float = KEEPALIVE_S, request_id: str | None = None
                        ) -> AsyncIterator[tuple[str, object]]:
    """The answer's events; the final `("answer", Answer)` is the verified answer (with `request_id` when given).
    Errors are raised."""
    loop = asyncio.get_running_loop()
    tokens: asyncio.Queue[str] = asyncio.Queue()
    gone = threading.Event()

    def on_token(text: str) -> None:
        loop.call_soon_threadsafe(tokens.put_nowait, text)

    task = asyncio.ensure_future(service.answer(question, history, engine, filters, on_token=on_token, gone=gone,
                                                request_id=request_id))
    try:
        while True:
            getter = asyncio.ensure_future(tokens.get())
            done, _ = await asyncio.wait({getter, task}, timeout=keepalive, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                yield "token", getter.result()
                continue
            getter.cancel()
            if task in done:
                while not tokens.empty():
                    yield "token", tokens.get_nowait()
                break
            yield "ping", None
        yield "answer", task.result()
    finally:
        gone.set()
        if not task.done():
            task.add_done_callback(_quiet)


def _quiet(task: asyncio.Future) -> None:
    with contextlib.suppress(BaseException):
        task.exception()


def sse(event: str | None, data: str) -> bytes:
    """One server-sent event with a JSON (or `[DONE]`) data line."""
    return format_sse_event(data_str=data, event=event)


def sse_json(event: str | None, payload: dict) -> bytes:
    return sse(event, dumps(payload))
