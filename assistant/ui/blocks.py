"""The chat UI's layout and wiring: `build(gateway) -> gr.Blocks` and `mount(app)`, which puts it at `/` on the API app.

Two tabs: "Ask" (the conversation, the question box, examples, options, and the source panel beside it, below it
on a phone) and "Documents". When the API requires keys, a login panel shows first and the rest stays hidden.
"""

from __future__ import annotations

import os
from types import SimpleNamespace

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported: no telemetry, ever

import gradio as gr  # noqa: E402
from fastapi import FastAPI  # noqa: E402

import assistant.ui.render as render  # noqa: E402 - the module itself, not the package (its __init__ imports this one)
import assistant.ui.style as style  # noqa: E402
from assistant.ui.gateway import Gateway  # noqa: E402
from assistant.ui.handlers import Handlers  # noqa: E402
from assistant.ui.routing import keep_api_paths  # noqa: E402

STATUS_EVERY_S = 10  # how often an open page checks whether an ingest changed the corpus
MISSION = "Is testing a Huawei Ascend 910D in Malaysia a violation?"
EXAMPLES = [MISSION,
            "Which Ascend chips did the guidance name?",
            "Who is the Under Secretary of Commerce for Industry and Security?",
            "Compare what the sources say about using Ascend chips anywhere in the world."]


def _header() -> gr.HTML:
    """The page's heading (skip links, name, what it does) and, returned, its status line."""
    with gr.Column(elem_id="header"):
        gr.HTML(render.SKIP_LINKS + "<h1>grounded</h1><p>Answers from your documents, every claim cited to a "
                "verbatim passage.</p>", js_on_load=style.SKIP_JS)
        status = gr.HTML(render.status_line({"state": "loading"}), elem_id="status")
    return status


def _login_panel() -> SimpleNamespace:
    """The login panel, hidden until the API turns out to require keys: `panel`, `key`, `button`, `message`."""
    with gr.Column(visible=False, elem_id="login") as panel:
        gr.Markdown("This server requires an API key. Log in with yours (`python -m assistant keys add NAME` "
                    "makes one); it is checked, limited and recorded exactly as API requests are.")
        key = gr.Textbox(label="API key", type="password", max_lines=1, elem_id="key")
        button = gr.Button("Log in", variant="primary", elem_id="login-button")
        message = gr.HTML("", elem_id="login-message")
    return SimpleNamespace(panel=panel, key=key, button=button, message=message)


def _options() -> tuple[gr.Dropdown, gr.Dropdown, gr.Textbox, gr.Textbox]:
    """The folded "Options" of the Ask tab: (engine, publishers, published from, published until)."""
    with gr.Accordion("Options: engine and filters", open=False, elem_id="options"):
        engine = gr.Dropdown(label="Engine", choices=[], elem_id="engine",
                             info="only the engines this server can answer with")
        publishers = gr.Dropdown(label="Publishers", choices=[], multiselect=True, elem_id="publishers",
                                 info="none chosen: all")
        with gr.Row():
            after = gr.Textbox(label="Published from (YYYY-MM-DD)", max_lines=1, elem_id="after")
            before = gr.Textbox(label="Published until (YYYY-MM-DD)", max_lines=1, elem_id="before")
    return engine, publishers, after, before


def _ask_tab() -> SimpleNamespace:
    """The "Ask" tab: the conversation, the question box, examples, options and export, and the source panel
    beside them; its components by name."""
    with gr.Tab("Ask", id="ask", elem_id="ask-tab"), gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=340):
            conversation = gr.HTML(render.conversation([]), elem_id="conversation",
                                   js_on_load=style.CONVERSATION_JS, autoscroll=False,
                                   apply_default_css=False)
            with gr.Row(equal_height=True):
                question = gr.Textbox(label="Question", placeholder="Ask about the documents; "
                                      "Enter sends", lines=1, max_lines=4, scale=5,
                                      elem_id="question", autofocus=True)
                send = gr.Button("Send", variant="primary", scale=1, min_width=80, elem_id="send")
            gr.Examples([[q] for q in EXAMPLES], inputs=[question], label="Example questions",
                        elem_id="examples")
            engine, publishers, after, before = _options()
            with gr.Row():
                new = gr.Button("New conversation", elem_id="new-conversation")
                export = gr.HTML(render.export_button(None), elem_id="export-box", js_on_load=style.EXPORT_JS,
                                 apply_default_css=False, container=False)
        with gr.Column(scale=2, min_width=320, elem_id="source-column"):
            gr.HTML("<h2 class='panel-heading'>Source</h2>")
            source = gr.HTML(render.EMPTY_PANEL, elem_id="source-panel", js_on_load=style.SOURCE_JS,
                             apply_default_css=False)
    return SimpleNamespace(conversation=conversation, question=question, send=send, engine=engine,
                           publishers=publishers, after=after, before=before, new=new, export=export, source=source)


def _documents_tab() -> tuple[gr.HTML, gr.HTML]:
    """The "Documents" tab: (the table of documents, the view of the one chosen)."""
    with gr.Tab("Documents", id="documents", elem_id="documents-tab"):
        docs_table = gr.HTML(render.documents_table([]), elem_id="documents",
                             js_on_load=style.DOCUMENTS_JS, apply_default_css=False)
        doc_view = gr.HTML("<p class='muted'>Choose a document to read its cleaned text.</p>",
                           elem_id="document-view", js_on_load=style.DOCUMENT_JS, apply_default_css=False)
    return docs_table, doc_view


def _bind(h: Handlers, blocks: gr.Blocks, page: SimpleNamespace) -> None:
    """The page's events bound to the handlers (none of them part of the public API)."""
    p, a = page, page.ask
    loaded = [p.session, p.login.panel, p.main, p.status, a.engine, a.publishers, p.docs_table, p.timer, p.shown]
    blocks.load(h.load, [p.session], loaded, api_visibility="private")
    p.timer.tick(h.load, [p.session], loaded, api_visibility="private")
    p.watch.tick(h.refresh, [p.session, p.shown], [p.status, p.docs_table, a.publishers, p.shown],
                 api_visibility="private", show_progress="hidden")
    gr.on([p.login.button.click, p.login.key.submit], h.login, [p.login.key, p.session],
          [*loaded, p.login.key, p.login.message], api_visibility="private")
    asking = [a.question, p.turns, p.session, a.engine, a.publishers, a.after, a.before]
    gr.on([a.question.submit, a.send.click], h.ask, asking,
          [a.conversation, a.question, p.turns, a.export, a.source, p.status],
          api_visibility="private", show_progress="hidden")
    a.conversation.cite(h.cite, [p.turns, p.session], [a.source], api_visibility="private", show_progress="hidden")
    # a rating button opens a comment box under its answer in the browser (CONVERSATION_JS); its Send sends
    a.conversation.feedback(h.send_feedback, [p.turns, p.session], [a.conversation, p.turns, a.export],
                            api_visibility="private", show_progress="hidden")
    a.new.click(h.new_conversation, None, [a.conversation, p.turns, a.source, a.export], api_visibility="private")
    p.docs_table.read(h.read, [p.session], [p.doc_view], api_visibility="private")


def build(gateway: Gateway) -> gr.Blocks:
    """The Blocks of the chat UI, its events bound to `Handlers(gateway)`."""
    h = Handlers(gateway)
    with gr.Blocks(title="grounded — answers from your documents", analytics_enabled=False,
                   delete_cache=(3600, 3600)) as blocks:
        # shown: the corpus version the page shows
        page = SimpleNamespace(session=gr.State({}), turns=gr.State([]), shown=gr.State(None))
        page.status = _header()
        page.login = _login_panel()
        with gr.Column(visible=False, elem_id="main") as main, gr.Tabs():
            page.ask = _ask_tab()
            page.docs_table, page.doc_view = _documents_tab()
        page.main = main
        page.timer = gr.Timer(3, active=False)  # while the index loads
        page.watch = gr.Timer(STATUS_EVERY_S)  # an ingest while the page is open
        _bind(h, blocks, page)
    # gradio runs one event of a kind at a time unless told otherwise; answering is bounded by the API's own
    # thread pool (GROUNDED_API__ANSWER_THREADS), so the UI adds no queue of its own
    blocks.queue(default_concurrency_limit=None)
    return blocks


def mount(app: FastAPI) -> None:
    """Mount the chat UI at `/` on the API app (the `ui=` hook of `assistant.api.app.create_app`)."""
    gateway = Gateway(app)
    api_routes = list(app.router.routes)
    # no footer links, run history, MCP server or PWA; uploads refused (the UI takes none, and gradio's upload route
    # does not know the API's keys)
    gr.mount_gradio_app(app, build(gateway), path="/", theme=style.theme(), css=style.CSS, head=style.HEAD,
                        footer_links=[],
                        run_history=False, show_error=False, ssr_mode=False, mcp_server=False, pwa=False,
                        max_file_size=1)
    keep_api_paths(app, api_routes)
