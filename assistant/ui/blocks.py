"""The chat UI's layout and wiring: `build(gateway) -> gr.Blocks` and `mount(app)`, which puts it at `/` on the API app.

Two tabs: "Ask" (the conversation, the question box, examples, options, and the source panel beside it, below it
on a phone) and "Documents". When the API requires keys, a login panel shows first and the rest stays hidden.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported: no telemetry, ever

import gradio as gr  # noqa: E402
from fastapi import FastAPI  # noqa: E402

from assistant.ui import render, style  # noqa: E402
from assistant.ui.gateway import Gateway  # noqa: E402
from assistant.ui.handlers import Handlers  # noqa: E402
from assistant.ui.routing import keep_api_paths  # noqa: E402

STATUS_EVERY_S = 10  # how often an open page checks whether an ingest changed the corpus
MISSION = "Is testing a Huawei Ascend 910D in Malaysia a violation?"
EXAMPLES = [MISSION,
            "Which Ascend chips did the guidance name?",
            "Who is the Under Secretary of Commerce for Industry and Security?",
            "Compare what the sources say about using Ascend chips anywhere in the world."]


def build(gateway: Gateway) -> gr.Blocks:
    """The Blocks of the chat UI, its events bound to `Handlers(gateway)`."""
    h = Handlers(gateway)
    with gr.Blocks(title="grounded — answers from your documents", analytics_enabled=False,
                   delete_cache=(3600, 3600)) as blocks:
        session = gr.State({})
        turns = gr.State([])
        shown = gr.State(None)  # the corpus version the page shows
        with gr.Column(elem_id="header"):
            gr.HTML(render.SKIP_LINKS + "<h1>grounded</h1><p>Answers from your documents, every claim cited to a "
                    "verbatim passage.</p>", js_on_load=style.SKIP_JS)
            status = gr.HTML(render.status_line({"state": "loading"}), elem_id="status")
        with gr.Column(visible=False, elem_id="login") as login_panel:
            gr.Markdown("This server requires an API key. Log in with yours (`python -m assistant keys add NAME` "
                        "makes one); it is checked, limited and recorded exactly as API requests are.")
            key = gr.Textbox(label="API key", type="password", max_lines=1, elem_id="key")
            login = gr.Button("Log in", variant="primary", elem_id="login-button")
            login_msg = gr.HTML("", elem_id="login-message")
        with gr.Column(visible=False, elem_id="main") as main, gr.Tabs():
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
                    with gr.Accordion("Options: engine and filters", open=False, elem_id="options"):
                        engine = gr.Dropdown(label="Engine", choices=[], elem_id="engine",
                                             info="only the engines this server can answer with")
                        publishers = gr.Dropdown(label="Publishers", choices=[], multiselect=True,
                                                 elem_id="publishers", info="none chosen: all")
                        with gr.Row():
                            after = gr.Textbox(label="Published from (YYYY-MM-DD)", max_lines=1,
                                               elem_id="after")
                            before = gr.Textbox(label="Published until (YYYY-MM-DD)", max_lines=1,
                                                elem_id="before")
                    with gr.Row():
                        new = gr.Button("New conversation", elem_id="new-conversation")
                        export = gr.HTML(render.export_button(None), elem_id="export-box", js_on_load=style.EXPORT_JS,
                                         apply_default_css=False, container=False)
                with gr.Column(scale=2, min_width=320, elem_id="source-column"):
                    gr.HTML("<h2 class='panel-heading'>Source</h2>")
                    source = gr.HTML(render.EMPTY_PANEL, elem_id="source-panel", js_on_load=style.SOURCE_JS,
                                     apply_default_css=False)
            with gr.Tab("Documents", id="documents", elem_id="documents-tab"):
                docs_table = gr.HTML(render.documents_table([]), elem_id="documents",
                                     js_on_load=style.DOCUMENTS_JS, apply_default_css=False)
                doc_view = gr.HTML("<p class='muted'>Choose a document to read its cleaned text.</p>",
                                   elem_id="document-view", js_on_load=style.DOCUMENT_JS,
                                   apply_default_css=False)
        timer = gr.Timer(3, active=False)  # while the index loads
        watch = gr.Timer(STATUS_EVERY_S)  # an ingest while the page is open

        loaded = [session, login_panel, main, status, engine, publishers, docs_table, timer, shown]
        blocks.load(h.load, [session], loaded, api_visibility="private")
        timer.tick(h.load, [session], loaded, api_visibility="private")
        watch.tick(h.refresh, [session, shown], [status, docs_table, publishers, shown], api_visibility="private",
                   show_progress="hidden")
        gr.on([login.click, key.submit], h.login, [key, session], [*loaded, key, login_msg], api_visibility="private")
        asking = [question, turns, session, engine, publishers, after, before]
        gr.on([question.submit, send.click], h.ask, asking, [conversation, question, turns, export, source, status],
              api_visibility="private", show_progress="hidden")
        conversation.cite(h.cite, [turns, session], [source], api_visibility="private", show_progress="hidden")
        # a rating button opens a comment box under its answer in the browser (CONVERSATION_JS); its Send sends
        conversation.feedback(h.send_feedback, [turns, session], [conversation, turns, export],
                              api_visibility="private", show_progress="hidden")
        new.click(h.new_conversation, None, [conversation, turns, source, export], api_visibility="private")
        docs_table.read(h.read, [session], [doc_view], api_visibility="private")
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
