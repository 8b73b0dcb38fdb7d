"""HTML around the conversation: the skip links, the server's status line and the "Export as Markdown" button."""

from __future__ import annotations

from urllib.parse import quote

from assistant.ui.markup import esc

# the first things Tab reaches: hidden until focused (ui.css), handled by `style.SKIP_JS`
SKIP_LINKS = ("<nav class='skip-links' aria-label='Skip links'>"
              "<a class='skip-link' href='#conversation' data-to='answer'>Skip to the latest answer</a>"
              "<a class='skip-link' href='#question' data-to='question'>Skip to the question box</a></nav>")


def export_button(markdown: str | None) -> str:
    """"Export as Markdown": a link whose click downloads grounded-conversation.md, made in the browser from the
    text it carries (a data: URL; `style.EXPORT_JS` stamps the time of the click). Disabled while there is nothing."""
    if not markdown:
        return ("<button type='button' id='export' class='export-button' disabled "
                "title='Ask a question first'>Export as Markdown</button>")
    href = "data:text/markdown;charset=utf-8," + quote(markdown)
    return (f"<a id='export' class='export-button' role='button' download='grounded-conversation.md' "
            f"href='{esc(href)}' data-md='{esc(markdown)}'>Export as Markdown</a>")


def status_line(status: dict, login_name: str | None = None) -> str:
    """The server's state in one line: loading, failed (with the reason) or the index's size and version."""
    who = f" · logged in as <strong>{esc(login_name)}</strong>" if login_name else ""
    if status["state"] == "loading":
        return f"<p class='status loading' role='status'>Loading the index and models… questions can be asked once ready.{who}</p>"
    if status["state"] != "ready":
        return (f"<p class='status failed' role='alert'>The index is unavailable: {esc(status.get('message'))}"
                f"{who}</p>")
    return (f"<p class='status ready' role='status'>{int(status['documents'])} documents · {int(status['chunks'])} "
            f"chunks · corpus version <code>{esc(status['corpus_version'])}</code>{who}</p>")
