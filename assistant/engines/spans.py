"""Candidate answer spans of a who / when / how-many question in an evidence sentence, by the kind of answer asked
(`candidates`); `short_answer` chooses among them by their distance to the question's words."""

from __future__ import annotations

import re

from assistant.terms import CALENDAR, CALENDAR_WORD, DATE, DURATION, FREQUENCY, HOW_OFTEN, NUMBER, STOP
from assistant.vocabulary import is_country

_AGENT = re.compile(r"(?:\b[Tt]he\s+)?(?:(?:U\.S\.|US|UK|EU)\s+)?[A-Z][\w.’'&-]*(?:\s+(?:(?:of|and|for|on|the)\s+)*"
                    r"[A-Z][\w.’'&-]*)*")
_MONEY = re.compile(r"(?:US|A|C|S|HK)?[$€£¥]\s?\d(?:[\d,.]*\d)?(?:\s?(?:million|billion|trillion|thousand|bn|m)\b)?|"
                    r"\b\d(?:[\d,.]*\d)?\s?(?:EUR|USD|GBP|euros?|dollars?)\b")
_DAY = re.compile(rf"(?:{DATE.pattern})(?:\s*\((?:{DATE.pattern})\))?(?:,?\s+\d{{4}})?", re.I)


# "How long do we have to report it?": a duration answers, with the word that bounds it ("within 24 hours")
_HOW_LONG = re.compile(r"\bhow (?:long|soon)\b", re.I)
_SPAN_OF_TIME = re.compile(rf"(?:\b(?:within|in|for|after|before|up to|no later than|at least|at most)\s+)?(?:{DURATION.pattern})|"
                           rf"\b(?:until|till|through)\s+(?:{_DAY.pattern})", re.I)  # "…remains in force until 31 December 2026"


# a year that is part of an identifier: "-2026-" of "PO-CPA-2026-031", "SV-2026-014"
_IN_IDENTIFIER = re.compile(r"^(?:.?[A-Za-z0-9]-)?\d{4}-[A-Za-z0-9]|[A-Za-z0-9]-\d{4}(?:-.?)?$")


def candidates(kind: str, text: str, question: str) -> list[re.Match]:
    """The spans of `text` that could answer a question of `kind` ("person", "date", "number"): a name (a run of
    capitalised words, not a month, a country, a stop word, a one-word label or a span across two sentences), a
    calendar date or year (not one inside an identifier), a duration ("How long …?"), a frequency ("How often …?"),
    an amount with its currency or a figure; never one the `question` already says ("5" is not said by "25 units")."""
    asked = question.lower()
    if kind == "number" and _HOW_LONG.search(question):
        found = list(_SPAN_OF_TIME.finditer(text))
    elif kind == "number" and HOW_OFTEN.search(question):
        found = list(FREQUENCY.finditer(text))
    elif kind == "date":
        # a calendar date or a year only: "Tuesday" or "late last month" is relative to a date the reader must work
        # out, and "On Tuesday" was the day something else was said
        found = [m for m in _DAY.finditer(text)
                 if (CALENDAR.search(m.group(0)) or re.search(r"\b(?:1[0-9]|20)\d\d\b", m.group(0)))
                 and not (m.group(0).strip().isdigit()  # a bare year, not one of "PO-CPA-2026-031"
                          and _IN_IDENTIFIER.search(text[max(0, m.start() - 2):m.end() + 2]))]
    elif kind == "number":
        undated = DATE.sub(lambda d: " " * len(d.group(0)), text)  # same offsets, dates blanked: "2025" is no count
        # an amount with its currency ("€120,000", "$20,000", "£5 million"), a figure, or a number written as a word
        # before a noun ("seventeen countries"; not "one of", "half")
        money = list(_MONEY.finditer(undated))
        found = money + [m for m in NUMBER.finditer(undated) if not any(a.start() <= m.start() < a.end() for a in money)
                         and not re.search(r"[A-Za-z]-$", undated[max(0, m.start() - 2):m.start()])  # "TC-POL-09"
                         and (any(c.isdigit() for c in m.group(0)) or (
                             m.group(0).lower() not in {"one", "half", "quarter"}
                             and re.match(r"\s+[a-z]", undated[m.end():]) and not re.match(r"\s+of\b", undated[m.end():])))]
    else:  # a name with a lower-case letter: "AI", "US" or "[NEW YORK]" is no one who did anything
        found = [m for m in _AGENT.finditer(text) if (m.start() > 0 or len(m.group(0).split()) > 1)
                 and any(c.islower() for c in m.group(0)) and not CALENDAR_WORD.fullmatch(m.group(0).strip())
                 and not is_country(m.group(0)) and m.group(0).strip(" ,.").lower() not in STOP
                 and not (text.startswith(":", m.end()) and " " not in m.group(0).strip())
                 and not re.search(r"[a-z0-9]{2}\.\s", m.group(0)) and not text[m.start() - 1:m.start()].isalnum()]
        # not a month ("October": when), a country ("Malaysia": where), a stop word ("That shipment …"), a one-word
        # label ("Decision: REFUSED"), two sentences ("EC-2026-007. This") or a word's tail ("A090.a" of "3A090.a")
    return [m for m in found if m and m.group(0).strip(" ,.") and not re.search(  # "5" is not said by "25 units"
        rf"(?<![\w.,]){re.escape(m.group(0).strip().lower())}(?![\w])", asked)]
