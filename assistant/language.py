"""The language of a question, and the few words of other languages the answering side must recognise.

The index speaks the language of its embedding model and stemmer (English for the bundled all-MiniLM-L6-v2), so a
question in another language is answered as far as its names and identifiers reach, with a warning; it is never
refused only because its words are not English. Language identification: py3langid (langid.py's model, bundled,
97 languages; Lui & Baldwin 2012), trusted only when confident, since short questions are easily mistaken.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ingest.tokens import CJK

MIN_PROBABILITY = 0.8   # below this (or under 4 words) a question is taken to be English
# the languages told apart: the widely written ones (a closed set makes short questions far less ambiguous)
LANGUAGES = ["en", "de", "fr", "es", "it", "pt", "nl", "pl", "ru", "zh", "ja", "ko", "ms", "id", "tr", "ar", "sv", "da",
             "no", "fi", "cs", "vi", "th", "uk", "el", "he", "hi"]
NAMES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
         "nl": "Dutch", "pl": "Polish", "ru": "Russian", "zh": "Chinese", "ja": "Japanese", "ko": "Korean",
         "ms": "Malay", "id": "Indonesian", "tr": "Turkish", "ar": "Arabic", "sv": "Swedish", "da": "Danish"}
# yes/no questions and rule words ("violation", "allowed") in the languages staff most often write in
_YES_NO = re.compile(
    r"^¿?\s*(ist|sind|war|waren|darf|dürfen|kann|können|muss|müssen|hat|haben|gibt|verstößt|verstoßen|wird|werden|"
    r"soll|sollte|est-ce|est-il|est-elle|sont-ils|peut-on|peut-il|faut-il|y a-t-il|a-t-on|es|está|están|son|puede|"
    r"pueden|se puede|hay|viola|constituye|debe|é|são|pode|podem|è|sono|può|possono)\b", re.I)
_JUDGMENT = re.compile(r"verst(o|ö)(ß|ss)|verboten|illegal|rechtswidrig|zulässig|erlaubt|genehmigungspflicht|"
                       r"violation|viole|violer|interdit|illégal|légal|autorisé|infraction|infracción|infringe|"
                       r"viola|prohibido|ilegal|permitido|lícito|violazione|vietato|proibido|violação", re.I)
RULE_WORDS = "violates violation export controls"


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(LANGUAGES)
    return identifier


@lru_cache(maxsize=4096)
def detect(text: str) -> str:
    """ISO 639-1 code of `text`'s language; "en" unless the identifier is confident (MIN_PROBABILITY, 4+ words; a
    Chinese, Japanese or Korean character counts as a word, as those scripts put no spaces between words)."""
    if len(re.findall(r"\w+", CJK.sub(" x ", text))) < 4:
        return "en"
    code, prob = _identifier().classify(text)
    return code if prob >= MIN_PROBABILITY else "en"


def name(code: str) -> str:
    """The English name of a language code ("de" -> "German")."""
    return NAMES.get(code, code)


def yes_no(text: str) -> bool:
    """A yes/no question in German, French, Spanish, Portuguese or Italian."""
    return bool(_YES_NO.search(text.strip()))


def judgment(text: str) -> bool:
    """A question about a rule in one of those languages ("Ist es ein Verstoß…", "est-ce légal…")."""
    return bool(_JUDGMENT.search(text))


@lru_cache(maxsize=1)
def _language_names() -> frozenset[str]:
    import pycountry

    return frozenset(lang.name.casefold() for lang in pycountry.languages if " " not in lang.name)


def is_language(word: str) -> bool:
    """`word` names a language ("French" in "the French notice"): it describes a document, it is not what a
    question asks about (ISO 639 names from pycountry)."""
    return word.casefold() in _language_names()


RESTRICTION = re.compile(r"verst(o|ö)(ß|ss)|verboten|illegal|rechtswidrig|genehmigungspflicht|infracci(ó|o)n|violaci(ó|o)n|"
                         r"\bviola\b|ilegal|prohibido|infraction|violation|\bviole\b|interdit|ill(é|e)gal|violazione|"
                         r"vietato|viola(ç|c)(ã|a)o|proibido", re.I)


def asks_restriction(text: str) -> bool | None:
    """In German, French, Spanish, Italian or Portuguese: True when the question asks whether something is a
    violation or forbidden, False when it asks whether it is allowed, None when it says neither."""
    if RESTRICTION.search(text):
        return True
    if re.search(r"erlaubt|zul(ä|a)ssig|permitido|autoris(é|e)|l(é|e)gal\b|permesso|consentito", text, re.I):
        return False
    return None
