"""The language of a question, and the few words of other languages the answering side must recognise.

The index speaks the language of its embedding model and stemmer (English for the bundled all-MiniLM-L6-v2), so a
question in another language is answered as far as its names and identifiers reach, with a warning; it is never
refused only because its words are not English. Language identification: py3langid (langid.py's model, bundled,
97 languages; Lui & Baldwin 2012), trusted only when confident, since short questions are easily mistaken.

Names and identifiers are left out before the language is judged (`frame`): "Jeffrey Kessler 是谁" and "Huawei Ascend
910D 违规？" are Chinese questions about Latin-script names; counted whole, their names outweighed two or three Chinese
characters and they were taken for English. A question whose own words are mostly in a script other than Latin is
in that script's language. A short Latin-script question (under 4 words, or the model unsure) counts as another
language only when it opens with that language's question word and the model agrees ("Wer ist Kessler?",
"¿Quién es Kessler?"); otherwise it is taken to be English.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from kernel.tokens import CJK

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
                       r"viola|prohibido|ilegal|permitido|lícito|violazione|vietato|proibido|violação|"
                       r"^\W*(?:darf|dürfen)\b|\bpeut-on\b|\bpouvons-nous\b|\bse puede\b|\bpodemos\b", re.I)  # "Darf ein
# Ingenieur … einsetzen?": a permission asked with the modal alone
RULE_WORDS = "violates violation export controls"
# Chinese: "是否" / "是不是" (whether), a closing "吗" (a yes/no particle); rule words: violate, illegal, forbidden,
# allowed, legal
_ZH_YES_NO = re.compile(r"是否|是不是|能不能|可不可以|吗\s*[？?]?\s*$")
_ZH_JUDGMENT = re.compile(r"违反|违法|非法|违规|禁止|合法|允许|准许")


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(LANGUAGES)
    return identifier


# the question words a short question opens with, per language (none that is also an English word: "was", "come")
_OPENERS = {
    "de": "wer wen wem wessen wo woher wohin wann warum wieso weshalb welche welcher welches welchen wieviel wie ist "
          "sind gibt darf dürfen muss müssen hat haben kann können",
    "fr": "qui où quand pourquoi comment quel quelle quels quelles combien est-ce qu'est-ce",
    "es": "quién quiénes dónde cuándo cómo cuál cuáles cuánto cuánta cuántos cuántas qué",
    "it": "chi dove perché quale quali quanto quanti cosa",
    "pt": "quem onde porquê qual quais quantos quantas",
    "nl": "wie waar wanneer waarom welke hoeveel",
}
_OPENER_LANG = {w: code for code, words in _OPENERS.items() for w in words.split()}
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")


def _latin(word: str) -> bool:
    return all(c.isascii() or "LATIN" in unicodedata.name(c, "") for c in word if c.isalpha())


def frame(text: str) -> list[str]:
    """The question's own words, without its names and identifiers: no word with a digit ("910D", "EL-2025-0001"),
    no capitalised word after the first ("Huawei", "Kessler", "Северный"); a Chinese, Japanese or Korean character is
    a word of its own (those scripts put no spaces between words)."""
    out: list[str] = []
    for i, w in enumerate(_WORD.findall(CJK.sub(r" \1 ", text))):
        if any(c.isdigit() for c in w) or (i and w[:1].isupper()):
            continue
        out.append(w)
    return out


@lru_cache(maxsize=4096)
def detect(text: str) -> str:
    """ISO 639-1 code of `text`'s language ("en" when unsure).

    1. When most of the question's own words (`frame`: names and identifiers left out) are in a script other than
       Latin, the language is that script's: Japanese with kana, Korean with hangul, Chinese for Chinese characters
       alone, otherwise what the identifier reads in those words ("Кто такой Kessler?" -> "ru").
    2. Otherwise the identifier's reading of the whole question, when it is confident (MIN_PROBABILITY) and the
       question has 4 words or more; or, for a short or uncertain one, when the question opens with a question word
       of the language the identifier reads ("Wo sitzt Huawei?" -> "de", "¿Quién es Kessler?" -> "es"), or with the
       Spanish "¿"/"¡" and the identifier reads Spanish, or with a yes/no verb of the language the identifier reads
       in the question's own words (`frame`, at 0.4 or more: "Darf unser Team in Penang Ascend 910C Chips testen?")."""
    own = frame(text)
    other = [w for w in own if not _latin(w)]
    if other and len(other) > len(own) - len(other):
        if _KANA.search(text):
            return "ja"
        if _HANGUL.search(text):
            return "ko"
        if all(CJK.fullmatch(w) for w in other):
            return "zh"
        code, _ = _identifier().classify(" ".join(other))
        if code != "en":
            return code
    words = re.findall(r"\w+", CJK.sub(" x ", text))
    code, prob = _identifier().classify(text)
    if len(own) >= 4 and code != "en" and _identifier().classify(" ".join(own))[0] == "en":
        return "en"  # its names read as another language, its own words as English ("Why was ООО «Северный …» …?")
    if len(words) >= 4 and prob >= MIN_PROBABILITY:
        return code
    if code == "es" and prob >= 0.5 and text.lstrip().startswith(("¿", "¡")):
        return "es"  # only Spanish opens a question with "¿" ("¿Es ilegal probar un chip … en Malasia?": 0.79)
    if code != "en" and prob >= 0.6 and _YES_NO.match(text.strip()) and _JUDGMENT.search(text):
        return code  # a yes/no question about a rule, opened by that language's verb ("Es ilegal probar…": 0.71)
    own_code, own_prob = _identifier().classify(" ".join(own)) if own else ("en", 0.0)
    if code != "en" and own_code == code and own_prob >= 0.4 and _YES_NO.match(text.strip()):
        return code  # "Darf unser Team in Penang Ascend 910C Chips testen?": English names, German words of its own
    opener = re.match(r"[\s¿¡\"'“«(]*([^\W\d_]+(?:-[^\W\d_]+)?)", text)
    if code != "en" and opener and _OPENER_LANG.get(opener.group(1).casefold()) == code and prob >= 0.5:
        return code
    return "en"


def name(code: str) -> str:
    """The English name of a language code ("de" -> "German")."""
    return NAMES.get(code, code)


# French subject-verb inversion ("constitue-t-il", "est-elle", "viole-t-elle") and the question words that make such a
# question open; Spanish question words (accented when they ask)
_FR_INVERSION = re.compile(r"\b[^\W\d_]+-(?:t-)?(?:il|elle|ils|elles|on)\b", re.I)
_FR_WH = re.compile(r"\b(?:qui|que|qu|quoi|où|quand|comment|pourquoi|quel|quelle|quels|quelles|combien|lequel|"
                    r"laquelle|lesquels|lesquelles)\b", re.I)
_ES_WH = re.compile(r"\b(?:qué|quién|quiénes|cuál|cuáles|cuándo|dónde|adónde|cómo|cuánto|cuánta|cuántos|cuántas)\b",
                    re.I)


def yes_no(text: str) -> bool:
    """A yes/no question in German, French, Spanish, Portuguese or Italian: opened by a verb or "est-ce", or, in
    French, asked by inversion with no question word ("Tester un 910D en Malaisie constitue-t-il une infraction ?"),
    or, in Spanish, between "¿" and "?" with no question word ("¿Probar un 910D en Malasia es una violación?")."""
    text = text.strip()
    if _YES_NO.search(text) or _ZH_YES_NO.search(text):
        return True
    if _FR_INVERSION.search(text) and not _FR_WH.search(text):
        return True
    return text.startswith("¿") and not _ES_WH.search(text)


def judgment(text: str) -> bool:
    """A question about a rule in one of those languages ("Ist es ein Verstoß…", "est-ce légal…")."""
    return bool(_JUDGMENT.search(text) or _ZH_JUDGMENT.search(text))


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
    if RESTRICTION.search(text) or re.search(r"违反|违法|非法|违规|禁止", text):
        return True
    if re.search(r"erlaubt|zul(ä|a)ssig|permitido|autoris(é|e)|l(é|e)gal\b|permesso|consentito|合法|允许|准许|"
                 r"^\W*(?:darf|dürfen)\b|\bpeut-on\b|\bpouvons-nous\b|\bse puede\b|\bpodemos\b", text, re.I):
        return False
    return None


@lru_cache(maxsize=32)
def _country_names(lang: str) -> dict[str, str]:
    """{country name as written in `lang`: its English name} from pycountry's ISO 3166 data and the gettext
    catalogues it ships ("Malaisie", "Malasia", "马来西亚" -> "Malaysia"); {} when it has no catalogue for `lang`."""
    import gettext

    import pycountry

    try:
        catalogue = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[{"zh": "zh_CN"}.get(lang, lang)])
    except OSError:
        return {}
    out: dict[str, str] = {}
    for c in pycountry.countries:
        english = getattr(c, "common_name", None) or c.name
        for n in {c.name, english}:
            local = catalogue.gettext(n)
            if local and len(local) >= 2 and "," not in local:
                out.setdefault(local, english)
    return out


# "where" a case happens, before a country's name: "in Malaysia", "en Malaisie", "au Viêt Nam", "在马来西亚"
_IN = {"de": r"(?:in|nach)\s+(?:der\s+|den\s+)?", "fr": r"(?:en|au|aux|à)\s+", "es": r"(?:en|a)\s+",
       "it": r"(?:in|a)\s+", "pt": r"(?:em|no|na|nos|nas)\s+", "zh": r"在"}


def countries_in(text: str, lang: str) -> list[str]:
    """The countries where the case of `text` (written in language `lang`) happens, in English ("¿… probar un chip
    Ascend 910D en Malasia?" -> ["Malaysia"]), in order of appearance: case details the English index may never
    mention, to be reported by their English names. A name counts after the language's "in" ("en Malasia",
    "在马来西亚"), as written; "美国出口管制" (US export controls) names no place of the case. [] for a language
    without such a list."""
    pattern = _countries_pattern(lang)
    if pattern is None:
        return []
    names = _country_names(lang)
    return list(dict.fromkeys(names[m.group("name")] for m in pattern.finditer(text)))


@lru_cache(maxsize=32)
def _countries_pattern(lang: str) -> re.Pattern | None:
    """One pattern per language for `countries_in`: the language's "in", then any of its country names (longest
    first, so "Guinea-Bissau" is not read as "Guinea"), whole words except CJK names."""
    before = _IN.get(lang)
    names = _country_names(lang) if before is not None else {}
    if not names:
        return None
    alternatives = "|".join(re.escape(n) + ("" if CJK.search(n) else r"(?!\w)")
                            for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w){before}(?P<name>{alternatives})")
