"""The UI's look and its few lines of browser code: a theme with system fonts only (gradio's Google Fonts and font
files are never requested), the stylesheet, and the click handlers that turn chips and buttons into events."""

from __future__ import annotations

from pathlib import Path

SANS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
MONO = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "Liberation Mono", "monospace"]
CSS = (Path(__file__).with_name("ui.css")).read_text(encoding="utf-8")

# The conversation: a click (or Enter / Space: they are <button>s) on a chip opens its source; on a rating button,
# the feedback form. Delegated, so answers rendered later need no new listeners.
CONVERSATION_JS = """
element.addEventListener('click', (event) => {
  const chip = event.target.closest('button.chip');
  if (chip) { trigger('cite', {rid: chip.dataset.rid, cite: Number(chip.dataset.cite)}); return; }
  const rate = event.target.closest('button.rate');
  if (rate) { trigger('rate', {rid: rate.dataset.rid, rating: rate.dataset.rating}); }
});
"""

# The source panel: once a source is shown, scroll its active <mark> into view (inside the text's own scroll box,
# so the title and metadata stay in sight) and move the focus there.
SOURCE_JS = """
watch('value', () => {
  const mark = element.querySelector('mark.active');
  if (!mark) { return; }
  const box = mark.closest('.source-text');
  if (box && box.scrollHeight > box.clientHeight + 1) {
    box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - box.clientHeight / 4;
    box.scrollIntoView({block: 'nearest'});
  } else {
    mark.scrollIntoView({block: 'center'});
  }
  mark.focus({preventScroll: true});
});
"""

# The documents view: a Read button opens its document below the table; bring it into view.
DOCUMENT_JS = """
watch('value', () => {
  const doc = element.querySelector('article.document');
  if (doc) { doc.scrollIntoView({block: 'start'}); }
});
"""

DOCUMENTS_JS = """
element.addEventListener('click', (event) => {
  const read = event.target.closest('button.read');
  if (read) { trigger('read', {doc: read.dataset.doc}); }
});
"""


def theme():
    """gradio's default theme with system fonts."""
    import gradio as gr

    return gr.themes.Default(font=SANS, font_mono=MONO)
