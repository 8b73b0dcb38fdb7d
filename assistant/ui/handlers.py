"""What the UI's events do: log in, ask (streaming), open a citation's source, rate, export, read documents.

Each handler takes the session (`{"key", "name"}`, per browser tab, server side) and the conversation (a list of
turns: `question`, `filters`, `engine`, then `draft` while an LLM writes, `answer` (the /v1/ask object) or `error`,
and `feedback`), goes through the `Gateway` (the API's keys, limits, service and audit log), and returns HTML from
`render`. Errors are shown in the page as one line; no handler lets an exception reach gradio.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import gradio as gr

import assistant.ui.render as render  # the module itself, not the package (whose __init__ imports blocks, then this)
from assistant.ui.export import to_markdown
from assistant.ui.gateway import Gateway, Session, UiError, translate

log = logging.getLogger("grounded.ui")


def _client(request: gr.Request | None) -> str | None:
    client = getattr(request, "client", None)
    return getattr(client, "host", None)


def _session(state: dict | None, request: gr.Request | None) -> Session:
    return Session((state or {}).get("key"), _client(request))


def _find(turns: list[dict], rid: str) -> dict | None:
    return next((t for t in turns if (t.get("answer") or {}).get("request_id") == rid), None)


def history(turns: list[dict]) -> list[dict]:
    """The earlier turns as /v1/ask `history`: each answered question and its answer's text."""
    out = []
    for t in turns:
        if t.get("answer"):
            out += [{"role": "user", "content": t["question"]}, {"role": "assistant", "content": t["answer"]["answer"]}]
    return out


def filters(publishers: list[str] | None, after: str | None, before: str | None) -> dict | None:
    """The filter controls as /v1/ask `filters` (None when none is set)."""
    out = {"publisher": list(publishers or []) or None, "published_after": (after or "").strip() or None,
           "published_before": (before or "").strip() or None}
    out = {k: v for k, v in out.items() if v}
    return out or None


def _back(event: gr.EventData) -> tuple[str, int] | None:
    try:
        return str(event.rid), int(event.cite)
    except (AttributeError, TypeError, ValueError):
        return None


def export_button(turns: list[dict]) -> str:
    """The "Export as Markdown" link of the conversation (disabled while it is empty). The file is made in the
    browser from the text the link carries: no copy of the conversation is left on the server."""
    return render.export_button(to_markdown(turns) if turns else None)


class Handlers:
    """The event functions of one mounted UI."""

    def __init__(self, gateway: Gateway):
        self.gateway = gateway

    # --- page load and login -------------------------------------------------------------------------------------

    async def load(self, state: dict | None, request: gr.Request):
        """Page load (and the loading timer): (session, login panel, main panel, status, engine, publishers,
        documents table, loading timer, corpus version shown). The main panel stays hidden until a login when keys
        are required."""
        state = dict(state or {})
        status = self.gateway.status()
        need_login = self.gateway.login_required() and not state.get("key")
        if need_login:
            return (state, gr.update(visible=True), gr.update(visible=False), render.status_line(status),
                    gr.update(), gr.update(), gr.update(), gr.Timer(active=False), None)
        engines = status["engines"]
        default = status["default_engine"] if status["default_engine"] in engines else (engines or [None])[0]
        docs_html, publishers = await self._documents(state, status, request)
        return (state, gr.update(visible=False), gr.update(visible=True),
                render.status_line(status, state.get("name")), gr.update(choices=engines, value=default),
                publishers, docs_html, gr.Timer(active=status["state"] == "loading"), status.get("corpus_version"))

    async def _documents(self, state: dict, status: dict, request: gr.Request | None) -> tuple[str, object]:
        """(documents table html, publishers dropdown update) for the index as `status` describes it."""
        if status["state"] != "ready":
            return render.documents_table([]), gr.update()
        try:
            docs = await self.gateway.documents(_session(state, request))
        except UiError as exc:
            return render.panel_error(exc.message), gr.update()
        names = sorted({d["publisher"] for d in docs if d.get("publisher")}, key=str.lower)
        return render.documents_table(docs), gr.update(choices=names)

    async def refresh(self, state: dict | None, shown: str | None, request: gr.Request):
        """The status timer, every few seconds: (status line, documents table, publishers, corpus version shown).
        When an ingest changed the corpus since the page showed it, the status line, the documents view and the
        publishers offered follow; otherwise nothing is redrawn. Nothing changes before a required login."""
        state = dict(state or {})
        if self.gateway.login_required() and not state.get("key"):
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        status = self.gateway.status()
        version = status.get("corpus_version")
        if status["state"] == "ready" and version == shown:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        docs_html, publishers = await self._documents(state, status, request)
        return render.status_line(status, state.get("name")), docs_html, publishers, version

    async def login(self, key: str, state: dict | None, request: gr.Request):
        """Check the key the user typed; on success the session keeps it and the page loads as `load` does."""
        try:
            name = await self.gateway.login(key or "", _client(request))
        except UiError as exc:
            out = await self.load(state, request)
            return (*out, "", render.panel_error(f"Login refused: {exc.message}"))
        state = {"key": key.strip(), "name": name}
        out = await self.load(state, request)
        return (*out, "", "")

    # --- asking --------------------------------------------------------------------------------------------------

    async def ask(self, question: str, turns: list[dict], state: dict | None, engine: str | None,
                  publishers: list[str] | None, after: str | None, before: str | None,
                  request: gr.Request) -> AsyncIterator[tuple]:
        """Stream one answer into the conversation: yields (conversation html, question box, turns, export button,
        source panel, status line). The export changes only when the turn starts and ends, not on every streamed
        word; when the answer arrives, the source panel is cleared (it showed a citation of an earlier answer) and
        the status line shows the corpus now indexed (the documents view follows at the status timer's next
        tick)."""
        turns = list(turns or [])
        keep = (gr.skip(), gr.skip())  # source panel, status line
        if not (question or "").strip():
            yield render.conversation(turns), question, turns, gr.skip(), *keep
            return
        chosen = filters(publishers, after, before)
        turn = {"question": question.strip(), "filters": chosen, "engine": engine, "draft": ""}
        earlier = history(turns)
        turns.append(turn)
        yield render.conversation(turns), "", turns, gr.skip(), *keep
        try:
            async for kind, value in self.gateway.ask(_session(state, request), turn["question"], earlier, engine,
                                                      chosen):
                if kind == "token":
                    turn["draft"] += value
                else:
                    turn["answer"] = value
                    turn.pop("draft", None)
                    yield (render.conversation(turns), "", turns, export_button(turns), render.EMPTY_PANEL,
                           render.status_line(self.gateway.status(), (state or {}).get("name")))
                    continue
                yield render.conversation(turns), "", turns, gr.skip(), *keep
        except UiError as exc:
            turn["error"] = exc.message + (" (log in again: reload the page)" if exc.status == 401 else "")
            yield render.conversation(turns), question, turns, export_button(turns), *keep
        except Exception as exc:  # noqa: BLE001 - shown as one line, logged with a reference
            turn["error"] = translate(exc).message
            yield render.conversation(turns), question, turns, export_button(turns), *keep

    def new_conversation(self):
        """Clear the conversation, the source panel and the export."""
        return render.conversation([]), [], render.EMPTY_PANEL, export_button([])

    # --- the source panel ----------------------------------------------------------------------------------------

    async def cite(self, turns: list[dict], state: dict | None, event: gr.EventData, request: gr.Request) -> str:
        """Open citation `event.cite` of answer `event.rid`: its document with the quote marked."""
        try:
            rid, n = str(event.rid), int(event.cite)
            turn = _find(turns or [], rid)
            cites = {c["id"]: c for c in ((turn or {}).get("answer") or {}).get("citations") or []}
            if n not in cites:
                return render.panel_error(f"citation [{n}] is not in this conversation", (rid, n))
            citation = cites[n]
            session = _session(state, request)
            doc = await self.gateway.document(session, citation["doc_id"])
            siblings = [c for c in cites.values() if c["doc_id"] == citation["doc_id"] and c["id"] != n]
            names = {}
            if citation.get("also_in"):
                names = {d["doc_id"]: d for d in await self.gateway.documents(session)}
            return render.source_panel(doc, citation, siblings, names, rid)
        except UiError as exc:
            return render.panel_error(exc.message, _back(event))
        except Exception as exc:  # noqa: BLE001
            return render.panel_error(translate(exc).message, _back(event))

    # --- feedback ------------------------------------------------------------------------------------------------

    async def send_feedback(self, turns: list[dict], state: dict | None, event: gr.EventData, request: gr.Request):
        """Record a rating (`event.rid`, `event.rating`: up / down) and its comment (`event.comment`, from the box
        under the answer) in the audit log. Returns (conversation, turns, export button)."""
        turns = list(turns or [])
        rid, rating = str(getattr(event, "rid", "")), str(getattr(event, "rating", ""))
        comment = str(getattr(event, "comment", None) or "")
        turn = _find(turns, rid)
        if turn is None or rating not in ("up", "down"):
            return render.conversation(turns), turns, gr.skip()
        try:
            fb = await self.gateway.feedback(_session(state, request), rid, rating, comment)
        except UiError as exc:
            turn["feedback_error"] = f"The feedback was not recorded: {exc.message}"
            return render.conversation(turns), turns, gr.skip()
        turn.pop("feedback_error", None)
        turn["feedback"] = {"rating": fb["rating"], "comment": fb.get("comment")}
        return render.conversation(turns), turns, export_button(turns)

    # --- documents -----------------------------------------------------------------------------------------------

    async def read(self, state: dict | None, event: gr.EventData, request: gr.Request) -> str:
        """The documents view of `event.doc`."""
        try:
            return render.document_view(await self.gateway.document(_session(state, request), str(event.doc)))
        except UiError as exc:
            return render.panel_error(exc.message)
        except Exception as exc:  # noqa: BLE001
            return render.panel_error(translate(exc).message)
