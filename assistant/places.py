"""Places under the names other languages give them (exonyms): a question that says "Munich" finds a document that
says "München". Only a name the index does not know is read as its other name, and only when the index knows that
one, so an English corpus is searched as before; the answer notes the reading ("read “Munich” as “München”").

The table is small and hand-made (cities and countries export-control staff meet in German, French, Spanish,
Italian, Dutch, Polish, Czech and Malay documents); no library ships such a table for offline use.
"""

from __future__ import annotations

import re

from assistant.terms import stem, words

# English name -> the names documents in other languages use
_OTHER_NAMES: dict[str, tuple[str, ...]] = {
    "Munich": ("München",), "Cologne": ("Köln",), "Nuremberg": ("Nürnberg",), "Dusseldorf": ("Düsseldorf",),
    "Frankfurt": ("Frankfurt am Main",), "Hanover": ("Hannover",), "Brunswick": ("Braunschweig",),
    "Vienna": ("Wien", "Vienne"), "Zurich": ("Zürich",), "Geneva": ("Genève", "Genf"), "Basel": ("Bâle",),
    "Brussels": ("Bruxelles", "Brussel"), "Antwerp": ("Antwerpen", "Anvers"), "The Hague": ("Den Haag",),
    "Copenhagen": ("København",), "Gothenburg": ("Göteborg",), "Prague": ("Praha", "Prag"),
    "Warsaw": ("Warszawa", "Warschau"), "Krakow": ("Kraków",), "Lisbon": ("Lisboa", "Lisbonne"),
    "Seville": ("Sevilla",), "Milan": ("Milano", "Mailand"), "Turin": ("Torino",), "Rome": ("Roma", "Rom"),
    "Naples": ("Napoli",), "Florence": ("Firenze",), "Venice": ("Venezia", "Venedig"), "Athens": ("Athína",),
    "Moscow": ("Moskva", "Moskau", "Moscou"), "Bucharest": ("București",), "Belgrade": ("Beograd",),
    "Germany": ("Deutschland", "Allemagne", "Alemania"), "Austria": ("Österreich",), "Switzerland": ("Schweiz",
    "Suisse"), "Netherlands": ("Nederland", "Niederlande", "Pays-Bas"), "Poland": ("Polska", "Polen"),
    "Czechia": ("Česko", "Tschechien"), "Spain": ("España", "Spanien", "Espagne"), "Italy": ("Italia", "Italien"),
    "France": ("Frankreich", "Francia"), "China": ("Zhongguo",), "Japan": ("Nihon", "Japon"),
    "Vietnam": ("Việt Nam", "Viet Nam"), "Thailand": ("Thaïlande", "Tailandia"), "Malaysia": ("Malaisie", "Malasia"),
    "Singapore": ("Singapur", "Singapour"), "Taiwan": ("Taïwan",), "South Korea": ("Südkorea", "Corée du Sud"),
}
_EITHER: dict[str, tuple[str, ...]] = {}
for _en, _others in _OTHER_NAMES.items():
    _EITHER[_en.lower()] = _others
    for _o in _others:
        _EITHER[_o.lower()] = (_en, *(x for x in _others if x != _o))
_NAME = re.compile(r"(?<!\w)(?:" + "|".join(sorted((re.escape(n) for n in _EITHER), key=len, reverse=True)) + r")(?!\w)",
                   re.I)


def other_names(text: str, known) -> tuple[str, tuple[tuple[str, str], ...]]:
    """`text` with each place name the index does not know replaced by another name of the place that it does
    (`known(stem) -> bool`, as assistant.vocabulary gives it); the readings made, as (typed, read) pairs."""
    def knows(name: str) -> bool:
        return all(known(stem(w.lower())) for w in words(name))
    readings: dict[str, str] = {}
    for m in _NAME.finditer(text):
        typed = m.group(0)
        if typed in readings or knows(typed):
            continue
        alt = next((o for o in _EITHER[typed.lower()] if knows(o)), None)
        if alt:
            readings[typed] = alt
    for typed, alt in readings.items():
        text = re.sub(rf"(?<!\w){re.escape(typed)}(?!\w)", alt, text)
    return text, tuple(readings.items())
