"""HTML for the chat UI: the conversation, the source panel, the documents view.

Everything that comes from a document, a question or an answer is escaped here (`esc`) before it is put into HTML,
so markup inside an article (`<script>`, `<img onerror=…>`) is shown as text and never runs. The only markup is
what this module writes: citation chips (`button.chip`, with `data-rid` / `data-cite` and an accessible label), rating
buttons (`button.rate`) and `<mark>` around cited spans. Links are kept only for http(s) URLs.

The code is in modules named for what they render (`answer_view`, `source_view`, `documents_view`, `page_chrome`,
with the escaping helpers in `markup`); this module keeps every public name importable as `render.<name>`, where
the handlers, the export and the tests take them from.
"""

from __future__ import annotations

from assistant.ui.answer_view import (
    ABSTAIN_LABEL,
    CITE_RUN,
    LANGUAGE,
    MARKER,
    NO_ANSWER_LABEL,
    abstain_label,
    answer_block,
    chip,
    conversation,
)
from assistant.ui.documents_view import document_view, documents_table
from assistant.ui.markup import date_of, esc, safe_url, source_name
from assistant.ui.page_chrome import SKIP_LINKS, export_button, status_line
from assistant.ui.source_view import EMPTY_PANEL, back_button, panel_error, source_panel

__all__ = [
    "MARKER", "CITE_RUN", "ABSTAIN_LABEL", "NO_ANSWER_LABEL", "LANGUAGE", "SKIP_LINKS", "EMPTY_PANEL", "esc",
    "date_of", "source_name", "safe_url", "chip", "abstain_label", "answer_block", "conversation", "back_button",
    "source_panel", "panel_error", "export_button", "documents_table", "document_view", "status_line",
]
