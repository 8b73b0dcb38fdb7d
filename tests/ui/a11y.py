"""Measuring accessibility in the browser: WCAG contrast ratios of the text on screen and of the keyboard focus ring,
both computed from the page's computed styles (no screenshot reading), and what Tab reaches.

Contrast is WCAG 2.x's: (L1 + 0.05) / (L2 + 0.05) of the relative luminances; text needs 4.5:1 (3:1 when large:
24 px, or 18.66 px bold), a focus indicator 3:1 against what is around it. The background of an element is the
first opaque background among it and its ancestors, with the translucent ones above it composited on top.
"""

from __future__ import annotations

# Shared functions, defined in the page once per call.
_COLOUR = r"""
const parse = (c) => { const m = c && c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
  const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
const background = (el) => { const layers = []; let base = null;
  for (let e = el; e && !base; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
    if (c && c[3] >= 1) base = c; else if (c && c[3] > 0) layers.push(c); }
  let bg = base || [255, 255, 255, 1];
  for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
  return bg; };
const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
const rgb = (c) => 'rgb(' + c.slice(0, 3).map(Math.round).join(', ') + ')';
const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
  + (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).join('.') : '');
"""

# Every visible element with text of its own under `root` (a selector): its colour, background, ratio and need.
TEXT_CONTRAST_JS = "(root) => {" + _COLOUR + r"""
  const out = [];
  for (const top of document.querySelectorAll(root)) for (const el of [top, ...top.querySelectorAll('*')]) {
    const text = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim();
    if (!text) continue;
    const box = el.getBoundingClientRect(); const s = getComputedStyle(el);
    if (!box.width || !box.height || s.visibility === 'hidden' || el.closest('[hidden], .sr-only')) continue;
    const bg = background(el); let fg = parse(s.color); if (fg[3] < 1) fg = over(fg, bg);
    const size = parseFloat(s.fontSize); const large = size >= 24 || (Number(s.fontWeight) >= 700 && size >= 18.66);
    out.push({element: describe(el), text: text.slice(0, 50), color: rgb(fg), background: rgb(bg),
              ratio: Math.round(ratio(fg, bg) * 100) / 100, need: large ? 3 : 4.5});
  }
  return out;
}"""

# The focused element once its transitions have finished: what it is, and its focus ring against its surroundings.
FOCUS_JS = "async () => {" + _COLOUR + r"""
  const el = document.activeElement;
  if (!el || el === document.body) return {key: 'body'};
  await Promise.all(el.getAnimations().map((a) => a.finished.catch(() => null)));
  const s = getComputedStyle(el);
  const holder = el.closest('#question, #send, #examples, #options, #engine, #publishers, #after, #before, '
                            + '#new-conversation, #export, #key, #login-button');
  const key = el.matches('button.chip') ? 'chip' : el.matches('button.rate') ? 'rate'
    : el.getAttribute('role') === 'tab' ? 'tab:' + el.innerText.trim() : holder ? holder.id : describe(el);
  const ring = parse(s.outlineColor); const around = background(el.parentElement || el);
  return {key, name: el.getAttribute('aria-label') || el.innerText.trim().slice(0, 60), style: s.outlineStyle,
          width: parseFloat(s.outlineWidth), ring: ring ? rgb(ring) : s.outlineColor, around: rgb(around),
          ratio: ring ? Math.round(ratio(ring, around) * 100) / 100 : 0};
}"""


def failing(measured: list[dict]) -> list[dict]:
    """The entries of TEXT_CONTRAST_JS's result below their WCAG AA need."""
    return [m for m in measured if m["ratio"] < m["need"]]


def tab_walk(page, presses: int = 80, until: str | None = None) -> list[dict]:
    """Press Tab from the top of the page (a click on its heading: focus on nothing, Tab starts there) up to
    `presses` times, or until the control `until` (a FOCUS_JS key) is reached; FOCUS_JS of each element reached."""
    page.evaluate("() => window.scrollTo(0, 0)")
    page.locator("#header h1").click()
    reached = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        reached.append(page.evaluate(FOCUS_JS))
        if until is not None and reached[-1]["key"] == until:
            break
    return reached
