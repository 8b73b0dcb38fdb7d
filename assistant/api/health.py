"""GET /healthz (the process answers), GET /readyz (the index and model are loaded), and the placeholder page at /
(until the chat UI is mounted there). None of them needs a key: they say nothing about questions or answers."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from assistant.api.errors import error_body, public

router = APIRouter(tags=["health"])
placeholder = APIRouter()  # `/` until a UI is mounted there


@router.get("/healthz", summary="Liveness")
async def healthz() -> JSONResponse:
    """200 while the process serves requests (even while the index loads)."""
    return JSONResponse({"status": "alive"})


@router.get("/readyz", summary="Readiness")
def readyz(request: Request) -> JSONResponse:
    """200 once the index and embedding model are loaded: documents, chunks, corpus version, engines, audit log
    state (`degraded` when audit writes fail: answers are still given; `written`/`failed`/`dropped` count this
    worker's rows; `unwritten`: rows given up on for now, kept in the spool and retried; the backlog, always
    reported and never a reason to be not ready: `pending`, `spooled` (rows in this worker's spool not yet in the
    audit store), `marks_pending` (delivery marks not yet applied there), `spool_unsynced_bytes`; counted since
    start: `spool_failures`, `undurable`: answers sent before their row was on disk), rate-limit storage
    (`limits`: memory or redis, requests let through when it failed). 503 while loading or when the index is
    unavailable, with the reason (`message`, and the API's `error` object: code `loading` or `index_unavailable`);
    503 too when the audit spool cannot be written (`audit.spool_writable` false: the last append or fsync failed;
    status `unavailable`, code `audit_unavailable`): its answers would go out without a durable audit row, so a load
    balancer should send them to a worker whose disk takes writes (this worker still answers a request sent to it)."""
    service, audit = request.app.state.service, request.app.state.audit
    llm = {"available": service.llm_problem is None, "problem": service.llm_problem,
           "backend": service.settings.llm.backend, "loaded": service.llm_loaded}
    state = service.state  # read once: the loading thread may change it meanwhile (a 200 said "loading")
    body: dict = {"status": state, "engines": service.engines(), "default_engine": service.default_engine(),
                  "llm": llm, "audit": audit.status(),
                  "limits": request.app.state.limiter.status()}
    if state != "ready":
        if state == "failed":
            with contextlib.suppress(Exception):  # the state and message below say what is wrong
                service.require()  # retries the load when the last try is old enough
            state = service.state
        body["status"] = "unavailable" if state == "failed" else state
        body["message"] = public(service.error or "the index and models are loading")
        body.update(error_body("loading" if state == "loading" else "index_unavailable", body["message"]))
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
    try:
        body.update(service.summary())
    except Exception as exc:  # noqa: BLE001 - the index went away under us: not ready
        return JSONResponse({**body, "status": "unavailable", "message": public(str(exc)),
                             **error_body("index_unavailable", str(exc))}, status_code=503)
    body["loaded_in_s"] = service.loaded_in_s
    if body["audit"].get("spool_writable") is False:
        message = public(f"the audit spool cannot be written: {body['audit']['spool_error']}")
        return JSONResponse({**body, "status": "unavailable", "message": message,
                             **error_body("audit_unavailable", message)}, status_code=503, headers={"Retry-After": "5"})
    if not body["audit"]["ok"]:
        body["status"] = "degraded"
    return JSONResponse(body)


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>grounded</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem}
code,pre{background:#f4f4f4;padding:.1rem .3rem}pre{padding:.8rem;overflow-x:auto}</style></head><body>
<h1>grounded</h1><p>Answers from your documents, every claim cited. The chat UI is not installed on this server yet;
the HTTP API is: <a href="/docs">API documentation</a> · <a href="/readyz">status</a>.</p>
<pre>curl -H 'content-type: application/json' \\
  -d '{"question": "Is testing a Huawei Ascend 910D in Malaysia a violation?"}' \\
  http://HOST/v1/ask</pre></body></html>"""


@placeholder.get("/", include_in_schema=False)
async def root(request: Request) -> HTMLResponse:
    return HTMLResponse(PAGE.replace("http://HOST", str(request.base_url).rstrip("/")))
