"""The UI's look and its few lines of browser code: a theme with system fonts only (gradio's Google Fonts and font
files are never requested), the stylesheet, and the click handlers that turn chips and buttons into events."""

from __future__ import annotations

from pathlib import Path

SANS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
MONO = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "Liberation Mono", "monospace"]
CSS = (Path(__file__).with_name("ui.css")).read_text(encoding="utf-8")
# gradio prefixes every rule of CSS with its container (`.gradio-container… .contain X`), so the page's own padding,
# on an element above `.contain`, is set from the page's head: at phone width its 32 px each side left the text
# ~280 px of 390; 8 px leaves ~360.
HEAD = ("<style>@media (max-width: 640px) { .gradio-container > .main { padding-left: .5rem !important; "
        "padding-right: .5rem !important; } }</style>")

# The conversation. Delegated listeners, so answers rendered later need no new ones:
# - a chip (click, or Enter / Space: they are <button>s) opens its source (the `cite` event);
# - a rating button opens a comment box right under its answer, focused; its Send fires the `feedback` event. The
#   box is made here with DOM calls (its text set as text, never as HTML) and put back, with what was typed, when
#   the conversation is redrawn (a streaming answer redraws it many times a second);
# - after each redraw: when a new turn appears or the newest turn changes state (searching → draft → answer or
#   error), its question is brought to the top of the conversation box (and the box into the window), so the
#   question and the start of its answer are in view; a growing draft leaves the view where it is.
CONVERSATION_JS = """
const box = element.closest('#conversation') || element;
let shown = '';
let open = null;  // the open comment box: {rid, rating, text}
const answerOf = (rid) => [...element.querySelectorAll('.answer[data-rid]')].find((a) => a.dataset.rid === rid);

function bringToTop(el) {
  const scrolls = box.scrollHeight > box.clientHeight + 1 && /(auto|scroll)/.test(getComputedStyle(box).overflowY);
  if (scrolls) {
    box.scrollTop += el.getBoundingClientRect().top - box.getBoundingClientRect().top - 6;
    const b = box.getBoundingClientRect();
    if (b.top < 0 || b.top > window.innerHeight / 2) { window.scrollBy(0, b.top - 8); }
  } else {
    const r = el.getBoundingClientRect();
    if (r.top < 0 || r.top > window.innerHeight / 2) { window.scrollBy(0, r.top - 8); }
  }
}

function openForm(answer, rid, rating, focus) {
  answer.querySelectorAll('.feedback-form').forEach((f) => f.remove());
  const bar = answer.querySelector('.feedback');
  if (!bar) { return null; }
  const n = bar.dataset.n || '';
  const word = rating === 'up' ? 'helpful' : 'not helpful';
  const form = document.createElement('div');
  form.className = 'feedback-form';
  form.setAttribute('role', 'group');
  form.setAttribute('aria-label', 'Feedback on answer ' + n);
  const label = document.createElement('p');
  label.textContent = 'Rating answer ' + n + ' (request id ' + rid + ') as ' + word
    + '. Add a comment if you like, then send.';
  const text = document.createElement('textarea');
  text.rows = 3;
  text.maxLength = 2000;
  text.setAttribute('aria-label', 'Comment on answer ' + n + ' (optional)');
  text.placeholder = 'Comment (optional)';
  text.value = open ? open.text : '';
  const send = document.createElement('button');
  send.type = 'button';
  send.className = 'send-feedback';
  send.textContent = 'Send feedback';
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.className = 'cancel-feedback';
  cancel.textContent = 'Cancel';
  const row = document.createElement('div');
  row.className = 'feedback-actions';
  row.append(send, cancel);
  form.append(label, text, row);
  bar.after(form);
  if (focus) {
    text.focus({preventScroll: true});
    form.scrollIntoView({block: 'nearest'});
  }
  return form;
}

element.addEventListener('click', (event) => {
  const chip = event.target.closest('button.chip');
  if (chip) {
    const same = [...element.querySelectorAll('button.chip')].filter(
      (c) => c.dataset.rid === chip.dataset.rid && c.dataset.cite === chip.dataset.cite);
    window.__groundedChip = {rid: chip.dataset.rid, cite: chip.dataset.cite, index: same.indexOf(chip)};
    trigger('cite', {rid: chip.dataset.rid, cite: Number(chip.dataset.cite)});
    if (window.__groundedShowSource) { window.__groundedShowSource(chip.dataset.rid, chip.dataset.cite); }
    return;
  }
  const rate = event.target.closest('button.rate');
  if (rate) {
    const answer = answerOf(rate.dataset.rid);
    if (!answer) { return; }
    open = {rid: rate.dataset.rid, rating: rate.dataset.rating, text: open && open.rid === rate.dataset.rid ? open.text : ''};
    openForm(answer, open.rid, open.rating, true);
    return;
  }
  const send = event.target.closest('button.send-feedback');
  if (send && open) {
    const form = send.closest('.feedback-form');
    open.text = form.querySelector('textarea').value;
    send.disabled = true;
    send.textContent = 'Sending…';
    trigger('feedback', {rid: open.rid, rating: open.rating, comment: open.text});
    return;
  }
  const cancel = event.target.closest('button.cancel-feedback');
  if (cancel && open) {
    const answer = answerOf(open.rid);
    cancel.closest('.feedback-form').remove();
    open = null;
    const first = answer && answer.querySelector('button.rate');
    if (first) { first.focus(); }
  }
});

element.addEventListener('input', (event) => {
  if (open && event.target.matches('.feedback-form textarea')) { open.text = event.target.value; }
});

watch('value', () => {
  const turns = element.querySelectorAll('.turn');
  const last = turns[turns.length - 1];
  const answer = last && last.querySelector('.answer');
  const now = turns.length + '|' + (answer ? answer.className : '');
  if (last && now !== shown) { bringToTop(last); }
  shown = now;
  if (open) {  // the comment box survives a redraw, with its text; a recorded rating closes it
    const rated = answerOf(open.rid);
    if (!rated || rated.querySelector('.feedback.done')) {
      open = null;
    } else if (!rated.querySelector('.feedback-form')) {
      const had = document.activeElement === document.body || !document.activeElement;
      openForm(rated, open.rid, open.rating, had);
    }
  }
});
"""

# The source panel: once a source is shown, scroll its active <mark> into view inside the text's own scroll box
# (so the title and metadata stay in sight) and move the focus there. At phone width the panel covers the page
# (`#source-column.drawer-open`), title first, until "Back to answer" (or Escape) closes it and returns to the chip.
SOURCE_JS = """
const column = element.closest('#source-column');
const narrow = () => window.matchMedia('(max-width: 640px)').matches;

function close() {
  if (column) { column.classList.remove('drawer-open'); }
}

function back(rid, cite) {
  close();
  const from = window.__groundedChip || {};
  const chips = [...document.querySelectorAll('#conversation button.chip')].filter(
    (c) => c.dataset.rid === rid && c.dataset.cite === cite);
  const chip = (from.rid === rid && from.cite === cite && chips[from.index]) || chips[0];
  if (chip) {
    chip.scrollIntoView({block: 'center'});
    chip.focus({preventScroll: true});
  }
}

function show() {
  const shown = element.querySelector('article.source, .source-error');
  if (!shown) { close(); return; }
  if (narrow() && column) {
    column.classList.add('drawer-open');
    column.scrollTop = 0;
  }
  const mark = element.querySelector('mark.active');
  if (!mark) { return; }
  const box = mark.closest('.source-text');
  if (box && box.scrollHeight > box.clientHeight + 1) {
    box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - box.clientHeight / 4;
    if (!narrow()) { box.scrollIntoView({block: 'nearest'}); }
  } else {
    mark.scrollIntoView({block: 'center'});
  }
  mark.focus({preventScroll: true});
}

// a chip of the citation already shown opens the panel again (its value, unchanged, is not redrawn)
window.__groundedShowSource = (rid, cite) => {
  const art = element.querySelector('article.source');
  if (art && art.dataset.rid === rid && art.dataset.cite === String(cite)) { show(); }
};

element.addEventListener('click', (event) => {
  const button = event.target.closest('button.back-to-answer');
  if (button) { back(button.dataset.rid, button.dataset.cite); }
});
element.addEventListener('keydown', (event) => {
  const art = element.querySelector('[data-rid][data-cite]');
  if (event.key === 'Escape' && column && column.classList.contains('drawer-open') && art) {
    back(art.dataset.rid, art.dataset.cite);
  }
});
watch('value', show);
"""

# The skip links at the top of the page (keyboard users): "Skip to the latest answer" moves the focus to the newest
# answer (its text is then read from the start; Tab goes on to its chips), or to the question box when there is none
# yet; "Skip to the question box" to the box. The page's address does not change.
SKIP_JS = """
const visible = (el) => el && el.getClientRects().length > 0;
element.addEventListener('click', (event) => {
  const link = event.target.closest('a.skip-link');
  if (!link) { return; }
  event.preventDefault();
  const answers = [...document.querySelectorAll('#conversation .answer')].filter(visible);
  const box = [...document.querySelectorAll('#question textarea, #key input')].find(visible);
  const target = (link.dataset.to === 'answer' && answers[answers.length - 1]) || box;
  if (!target) { return; }
  if (!target.matches('textarea, input')) { target.setAttribute('tabindex', '-1'); }
  target.scrollIntoView({block: 'start'});
  target.focus({preventScroll: true});
});
"""

# "Export as Markdown" (a download link carrying the file): at the click, the file's "Exported" line gets the time
# of the click.
EXPORT_JS = """
element.addEventListener('click', (event) => {
  const link = event.target.closest('a#export');
  if (!link || !link.dataset.md) { return; }
  const stamp = new Date().toISOString().replace(/\\.\\d+Z$/, 'Z');
  const text = link.dataset.md.replace(/^Exported \\S+Z\\./m, 'Exported ' + stamp + '.');
  link.href = 'data:text/markdown;charset=utf-8,' + encodeURIComponent(text);
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
    """gradio's default theme with system fonts, its colours darkened where they fail WCAG AA contrast for text
    (4.5:1): subdued text (#bbbbc2 on white was 1.9:1, now #52525b, 7.7:1) and the primary button (white on
    #f97316 was 2.8:1, now on #c2410c, 5.2:1). tests/ui/test_accessibility.py measures them in the browser."""
    import gradio as gr

    return gr.themes.Default(font=SANS, font_mono=MONO).set(
        body_text_color_subdued="*neutral_600", body_text_color_subdued_dark="*neutral_400",
        button_primary_background_fill="*primary_700", button_primary_background_fill_dark="*primary_700",
        button_primary_background_fill_hover="*primary_800", button_primary_background_fill_hover_dark="*primary_800",
        button_primary_border_color="*primary_700", button_primary_border_color_dark="*primary_700",
        button_primary_border_color_hover="*primary_800", button_primary_border_color_hover_dark="*primary_800")
