"""Boilerplate signals for the cleaning stage: text units, pattern families and structural features.

Nothing here knows the seed articles: the rules describe families of page furniture (consent banners,
share and comment widgets, related-link blocks, ads and promos, app banners, captions) and the
jusText-style features (length, stopword density, sentence punctuation) that separate prose from chrome.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import justext

# ---------------------------------------------------------------------------- units


@dataclass
class Unit:
    """A candidate block: one line, or a hard-wrapped run of lines (PDF text), stripped of outer space."""

    start: int
    end: int
    text: str
    group: int  # index of the blank-line-separated group the unit sits in
    words: int = 0
    stop_density: float = 0.0
    terminal: bool = False
    glue: int = 0
    bullet: bool = False
    md_heading: bool = False
    code: bool = False  # a line of a fenced code block, or a configuration line (`KEY=value`): content, kept as is
    fence: bool = False  # a Markdown code fence line (```bash): markup
    table: bool = False  # a row of a Markdown pipe table ("| SH-2026-0315 | 19 August 2026 |"): content, kept as is
    link_like: bool = False
    promo: bool = False
    reason: str | None = None  # pattern family, when one matched
    good: bool = False


def wordset(text: str) -> frozenset[str]:
    """The whitespace-separated words of `text` as a set (for word lists written as one string)."""
    return frozenset(text.split())


_TERMINAL = ".!?:;\"”’')…»"
_FUNCTION_END = wordset("a an the of to in on for and or but with by at from as that is are was were be its their")
_BULLET = re.compile(r"^(?:[-*•▪●+]\s+|\d{1,3}[.)]\s+)")
_MD_HEADING = re.compile(r"^#{1,6}\s+\S")
_MD_HEADING_MARKUP = re.compile(r"^(#{1,6}\s+)(.*?)((?:\s+#+)?\s*)$")
_FENCE = re.compile(r"^(`{3,}|~{3,})")
_TABLE_ROW = re.compile(r"^\|.*\|$")
_CONFIG = re.compile(r"^(?:export\s+|set\s+|setx\s+)?[A-Za-z_][\w.-]*\s*=\s*\S")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)
_GLUE = re.compile(r"[a-z]{2,}[A-Z][a-z]")
_URLISH = re.compile(r"https?://\S+|www\.\S+|\S+\.(?:com|org|net|html?)\b\S*|\]\([^)\s]*\)?|(?<!\w)@\w{3,}")
_SEPARATORS = re.compile(r"\s[|»›·•]\s")
_IDENTIFIER = re.compile(r"(?<![\w.:/-])(?=[\w.:/-]*\d)(?=[\w.:/-]*[^\W\d_])[^\W_]+(?:[-.:/][^\W_]+)+|§\s*\d", re.UNICODE)


def has_identifier(text: str) -> bool:
    """Whether `text` names a document or record identifier: letters and digits joined by hyphens, dots, colons or
    slashes ("EC-2025-014", "EL-2025-0001", "3A090.a", "D:5"), or a section sign ("§ 744.23"); dates and plain
    numbers ("2025-03-03", "09:05", "$300,000") are none."""
    return bool(_IDENTIFIER.search(text))


def _continues(prev: str, nxt: str) -> bool:
    """Whether `nxt` is a hard-wrapped continuation of the line `prev` (PDF text)."""
    if not prev or not nxt or prev[-1] in _TERMINAL or _BULLET.match(nxt) or _MD_HEADING.match(nxt):
        return False
    if _MD_HEADING.match(prev) or len(prev) < 25:
        return False
    last = prev.rsplit(None, 1)[-1].lower()
    return nxt[0].islower() or prev[-1] in ",-–—(" or last in _FUNCTION_END


def split_units(text: str, language: str | None = None) -> list[Unit]:
    """Split text into stripped units; blank lines separate groups, wrapped lines are joined.

    Lines of a fenced code block (```` ``` ```` or ``~~~``) and configuration lines (`MATCH_THRESHOLD=0.82`,
    `export SCREEN_MODE=strict`) are units of their own, marked `code` (never joined, never furniture); the fence
    lines are marked `fence`. Each row of a Markdown pipe table (GitHub Flavored Markdown, "| a | b |") is a unit
    of its own, marked `table`.
    `language` is an ISO code or a jusText stoplist name for the stopword features (default English);
    text that has almost no English stopwords is scored without them (neutral density).
    """
    units: list[Unit] = []
    group, blank, pos = 0, False, 0
    fence: str | None = None  # the open fence's marker
    for raw in text.split("\n"):
        line_start, pos = pos, pos + len(raw) + 1
        body = raw.strip()
        if not body:
            blank = True
            continue
        start = line_start + (len(raw) - len(raw.lstrip()))
        end = start + len(body)
        after_blank, blank = blank, False
        if after_blank and units:
            group += 1
        opener = _FENCE.match(body)
        if fence is not None or opener:
            closes = fence is not None and opener is not None and opener.group(1)[0] == fence[0] \
                and len(opener.group(1)) >= len(fence) and body.strip("`~ ") == ""
            is_fence = fence is None or closes
            units.append(Unit(start, end, body, group, code=not is_fence, fence=is_fence))
            fence = None if closes else (opener.group(1) if fence is None else fence)
            continue
        prev = units[-1] if units else None
        config, row = bool(_CONFIG.match(body)), bool(_TABLE_ROW.match(body))
        if prev and not after_blank and not (prev.code or prev.fence or prev.table or config or row) \
                and _continues(text[prev.start:prev.end].rsplit("\n", 1)[-1].strip(), body):
            prev.end, prev.text = end, text[prev.start:end]
        else:
            units.append(Unit(start, end, body, group, code=config, table=row))
    stop = stopwords(_STOPLIST_NAMES.get((language or "en").lower()[:2], language or "English"))
    if stop is not None and stopword_density(text, stop) < 0.08 and len(words(text)) >= 40:
        stop = None
    for u in units:
        annotate(u, stop)
    return units


def heading_markup(text: str) -> tuple[int, int]:
    """Characters of Markdown heading markup at the start ("## ") and end (" ##") of a heading line."""
    m = _MD_HEADING_MARKUP.match(text)
    if not m or not m.group(2):
        return 0, 0
    return len(m.group(1)), len(m.group(3))


# ---------------------------------------------------------------------------- features


_STOPLIST_NAMES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
                   "pt": "Portuguese", "nl": "Dutch", "sv": "Swedish", "da": "Danish", "pl": "Polish", "ru": "Russian"}


@lru_cache(maxsize=16)
def stopwords(name: str = "English") -> frozenset[str] | None:
    """jusText's stoplist `name` (lowercase words), or None when jusText has none for it.

    Not kernel.stopwords: these lists are for stopword density (how much running prose a block holds, jusText's
    measure, with the thresholds tuned on them), one per language, so a French or German page is judged in its own
    language; kernel.stopwords' short English list is what the index and the answering side search by."""
    try:
        return frozenset(justext.get_stoplist(name))
    except (ValueError, OSError):
        return None


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def stopword_density(text: str, stop: frozenset[str] | None = None) -> float:
    """Share of words in the stoplist; 0.3 (neutral: neither prose nor chrome) without a stoplist."""
    ws = words(text)
    if not ws:
        return 0.0
    if stop is None:
        return 0.3
    return sum(w.lower() in stop for w in ws) / len(ws)


def ends_sentence(text: str) -> bool:
    return bool(text) and text[-1] in _TERMINAL


def is_sentence_like(u: Unit) -> bool:
    """Prose: several words, sentence punctuation at the end, some function words, no widget signals."""
    if u.reason or u.link_like or u.glue >= 2 or not u.terminal or u.words < 4:
        return False
    if u.text.endswith(":") and u.words < 6:
        return False
    return u.stop_density >= 0.15


def is_heading_like(u: Unit) -> bool:
    """A section heading: a short capitalised phrase with no sentence punctuation and no widget signals."""
    if u.md_heading:
        return not u.reason
    text = u.text
    if u.reason or u.link_like or u.glue or u.bullet or not 1 <= u.words <= 16 or len(text) > 140 or len(text) < 3:
        return False
    first = text.lstrip("‘'\"“[(")[:1]
    return first.isupper() or first.isdigit()


def is_suspicious(u: Unit) -> bool:
    """Worth an off-topic check: promo/CTA/glued/link-like lines, teaser headlines, unpunctuated fragments.

    Plain body sentences are not suspicious however short: generic lines such as "He declined to comment."
    embed far from any article centroid, so the embedding alone must not judge them.
    """
    if u.promo or u.glue >= 2 or u.link_like or _CALL_TO_ACTION.match(u.text):
        return True
    if u.good or u.bullet or u.md_heading or u.terminal:
        return False
    if is_heading_like(u):
        return u.words >= 7  # a teaser headline for another story, rather than a short section heading
    return True


def annotate(u: Unit, stop: frozenset[str] | None) -> None:
    text = u.text
    ws = words(text)
    u.words = len(ws)
    u.stop_density = stopword_density(text, stop)
    u.terminal = ends_sentence(text)
    u.glue = len(_GLUE.findall(text))
    u.bullet = bool(_BULLET.match(text))
    u.md_heading = bool(_MD_HEADING.match(text))
    url_chars = sum(len(m.group()) for m in _URLISH.finditer(text))
    u.link_like = url_chars > 0 and (len(text) < 120 or url_chars * 4 > len(text))
    u.link_like = u.link_like or len(_SEPARATORS.findall(text)) >= 2 and not u.terminal and text[0] != "|"
    u.promo = bool(_PROMO.search(text) or _PROMO_WORDS.search(text))
    u.reason = pattern_reason(text)
    u.good = is_good(u)


def is_good(u: Unit) -> bool:
    """A confident body paragraph (jusText's 'good'): long enough, prose-like, no widget signals."""
    if u.reason or u.link_like or u.bullet or u.md_heading:
        return False
    n = len(u.text)
    if u.glue >= 2 and n < 200:
        return False
    if n >= 150 and u.stop_density >= 0.25 and u.words >= 20:
        return True
    return n >= 70 and u.terminal and u.stop_density >= 0.25 and u.words >= 10


# ---------------------------------------------------------------------------- pattern families

_I = re.IGNORECASE
# (reason, pattern, longest unit the rule applies to; None: any length)
_FAMILIES: list[tuple[str, re.Pattern[str], int | None]] = [
    ("navigation menu", re.compile(
        r"^(skip to (main )?(content|navigation)|skip navigation|jump to (content|navigation)"
        r"|(main )?menu|toggle navigation|back to top|home)$", _I), None),
    ("cookie banner", re.compile(
        r"\b(we|this (web)?site|our (web)?site|our partners)( and our partners)? uses? cookies\b"
        r"|\b(use of|accept( all)?|reject( all)?|allow( all)?|manage|change your) cookies?( settings)?\b"
        r"|\bcookies? (policy|settings|preferences|notice|consent|statement)\b"
        r"|\bby (continuing|using|browsing)\b.{0,80}\b(site|website|service)\b.{0,80}\b(agree|accept|consent)"
        r"|^(our |this site'?s )?privacy (policy|statement|notice)\b|\bwe value your privacy\b", _I), 600),
    ("cookie banner", re.compile(
        r"^(i agree|i accept|accept( all)?( cookies)?|agree( and (close|continue))?|allow( all)?( cookies)?"
        r"|reject( all)?|decline|got it|ok(ay)?|manage (cookies|preferences|settings|options)|cookie settings)[.!]?$",
        _I), None),
    ("comment form", re.compile(
        r"^(leave a (reply|comment)|post (a )?comment|add (a )?comment|please enter your (comment|name|email)"
        r"|your email address will not be published|required fields are marked|save my name|cancel reply"
        r"|log ?in to (comment|reply)|join the (conversation|discussion)|\d+ comments?$|comments?( \(\d+\))?:?$)",
        _I), 200),
    ("feedback widget", re.compile(
        r"^(share with us your feedback|send (us )?(your )?feedback|was this (article|story) (helpful|useful))"
        r"|\bfeedback on .{0,40}\bproducts and services\b", _I), 200),
    ("share widget", re.compile(r"^share (link|this( article| story| post| page)?|on|via)\s*:", _I), None),
    ("auto summary", re.compile(r"^(in this (post|article)|key (takeaways|points)|tl;?dr)\s*:", _I), None),
    ("share widget", re.compile(
        r"^(share|tweet|pin it|e-?mail|print|copy link)( this| the)?( article| story| post| page)?"
        r"( on [\w ]{1,20}| via \w+)?\s*:?$"
        r"|^(follow us|stay connected|subscribe|sign up for (our|the) newsletter|get (our|the) newsletter)\b"
        r"|^\d+\s*(fans|followers|subscribers|likes|shares|views)", _I), 120),
    ("related links", re.compile(
        r"^(see also|read also|also read|read more|more reading|further reading|related"
        r"( (articles?|posts?|stories|news|content|coverage|reading|links|topics))?\s*:?$"
        r"|related (articles?|posts?|stories)"
        r"|you (may|might) (also )?(like|enjoy|be interested)|recommended( for you| articles| stories| reading)?\s*:?$"
        r"|more (from|stories|articles|news)\b|latest (articles|news|stories|posts|videos)\b"
        r"|trending( now| stories)?\s*:?$"
        r"|most (read|popular|viewed)\b|popular (posts|stories)\b|top stories\b|editor'?s picks\b|search trends\b"
        r"|up next\b|read next\b|what to read next\b|don'?t miss\b)", _I), 200),
    ("disclaimer", re.compile(
        r"^disclaimer\b|\bnot (intended (as|to serve as) |to be (construed|taken) as )?(financial|investment) advice\b"
        r"|\bnot intended to serve as a reference for making investment decisions\b", _I), None),
    ("advertisement", re.compile(
        r"^[-–—\s]*advert(isement|orial)?s?\b|\bspot_img\b|^(sponsored|promoted|paid (content|post|partnership)"
        r"|partner content|ads? by)\b|^ads?$", _I), 200),
    ("app banner", re.compile(
        r"^(get|download|open( in)?|install|try) (the |our )?(\w+ )?app\b|\bapp store\b|\bgoogle play\b"
        r"|^\S+( \S+)? app$", _I), 80),
    ("image caption", re.compile(
        r"\s/\s?[A-Z][A-Za-z]{1,15}$|^(photo|image|picture|file photo|credit|illustration)\s*(:|/|by\b)"
        r"|^representative (image|photo|picture)\b"
        r"|\b(photo|image|picture)s?\b.{0,80}\b(getty images|reuters|afp|ap photo|xinhua|vcg|shutterstock)\b"
        r"|^(getty images|shutterstock|reuters|afp|ap|xinhua|vcg|epa|imago)( via [\w ]+)?$", _I), 200),
    ("trailing boilerplate", re.compile(
        r"^(source link|source|via|tags|filed under|about the author)\s*:?$", _I), None),
    ("stray number", re.compile(r"^[-–—(\s]*\d{1,4}[-–—)\s]*$"), None),
    ("page number", re.compile(r"^page\s+\d{1,4}(\s*(/|of)\s*\d{1,4})?$|^\d{1,4}\s*(/|of)\s*\d{1,4}$", _I), None),
]

_CALL_TO_ACTION = re.compile(
    r"^(join|subscribe|download|sign up|register|click|tap|follow|buy|trade|try|watch|listen|check out|claim|grab"
    r"|don'?t miss|get (your|the|our|a|an|free|started)|shop|order|book|bet|play|win)\b", re.IGNORECASE)
_MARKUP = re.compile(r"^(?:#{1,6}\s+|[*•▪●]\s+|[-+]\s+(?=\w))|[*_]{2}")
# Ad copy that no article sentence uses: a pattern rule. Words that only make a line worth an off-topic check
# (an article may well be about a presale or an airdrop): a signal for `is_suspicious`.
_PROMO = re.compile(
    r"\b(secret (tool|weapon|trick)|guaranteed (returns|profits|gains|(media )?coverage)|limited[- ]time offer"
    r"|click here|expected roi|best new (meme )?coins? to (buy|join)|100x gains?)\b"
    r"|\b(lock|buy|join|sign up|register|bet|play|trade|shop|download) now[!.]?$|\bfind out more\s*[:!.]?$", _I)
_PROMO_WORDS = re.compile(r"\b(presale|pre-sale|airdrops?|token sale|meme ?coins?|altcoins?|apr up to|roi of)\b", _I)

# Standalone end-of-article markers: once one follows the body, the rest of the page is furniture.
_END_MARKER = re.compile(
    r"^(you (may|might) (also )?like|related( articles?| posts?| stories| news| content| coverage)?"
    r"|more (stories|articles|news)( from .{1,40})?|leave a (reply|comment)|source link"
    r"|latest (articles|news|stories|posts)|read next"
    r"|recommended( for you| articles| stories)?|about the author|search trends|trending( now| stories)?"
    r"|tags|filed under|comments?|what to read next)\s*:?$|^disclaimer\b", _I)


def pattern_reason(text: str) -> str | None:
    """The boilerplate family `text` belongs to, if a pattern rule says so."""
    text = _MARKUP.sub("", text)
    n = len(text)
    for reason, pat, longest in _FAMILIES:
        if (longest is None or n <= longest) and pat.search(text):
            return reason
    if _PROMO.search(text) and n <= 300:
        return "advertisement"
    return None


def is_end_marker(text: str) -> bool:
    text = _MARKUP.sub("", text)
    return bool(_END_MARKER.search(text)) and len(text) <= 400


def normalized(text: str) -> str:
    return " ".join(text.lower().split())
