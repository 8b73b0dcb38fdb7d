"""The fields of a record ("Validity: …", "Holder: …", "Quantity: 40 units") and the question words that name them,
shared by the abstention rules (a named record's field that answers is evidence enough) and the short answer that
quotes the field (assistant.engines.fields)."""

from __future__ import annotations

import re

from assistant.terms import CALENDAR, RECORD_ID, norm, stem, words

# a `Label: value` line of a record
FIELD = re.compile(r"(?m)^[ \t]*(?P<key>[A-Z][\w ./()-]{1,40}?)[ \t]*:[ \t]+(?P<value>\S[^\n]{0,160}?)[ \t]*$")

# what a question asks and the field that answers it under another name: "When does it expire?" / "Valid until:"
ASKED_AS = {stem("expire"): {stem("valid"), stem("until"), stem("expiry"), stem("expires")},
            stem("expiry"): {stem("valid"), stem("until")},
            **dict.fromkeys([stem(w) for w in ("wrote", "write", "written", "sent", "signed")],  # "Who wrote memo
                            {stem("from"), stem("author"), stem("signed")})}  # EC-2026-007?": "From: Dana Whitfield"
# a product's model number ("MX-220", "H-20"): letters, then one group of at most four digits; a record's identifier
# has two groups of digits or a long one ("EL-2026-0417", "TP-88-0102", "D-554321")
PRODUCT = re.compile(r"[A-Za-z]{1,4}[-.]?\d{1,4}[A-Za-z]{0,3}")
# asks how long something lasts: "Until when can we ship under EUC-2026-0088?", "How long is it valid?"
LASTING = re.compile(r"\b(?:until|till|through)\s+when\b|\bhow long\b", re.I)
_ASK_WORDS = frozenset({"who", "what", "when", "which", "where"})
# a record's field asked for in German or French: the start of the question's word (accents off, lower case) and the
# English words of the fields that answer it. Records' fields are English here; the answerability model and the
# field names are English too, so "Wie viele Einheiten umfasst die Lizenz EL-2026-0417?" abstained (stop 24)
_FOREIGN = {k: frozenset(stem(w) for w in v.split()) for k, v in {
    "einheit": "unit quantity", "menge": "quantity", "anzahl": "quantity number", "stuck": "unit quantity",
    "gultig": "valid", "ablauf": "expire valid", "inhaber": "holder", "bedingung": "conditions", "auflage": "conditions",
    "bestimmungsort": "destination", "zielland": "destination", "aussteller": "issuing", "ausgestellt": "issue",
    "behord": "authority", "personal": "personnel", "mitarbeiter": "personnel", "ware": "items", "verwendung": "use",
    "titulaire": "holder", "condition": "conditions", "valable": "valid", "validite": "valid", "quantite": "quantity",
    "unite": "unit quantity", "destination": "destination", "delivre": "issue", "emis": "issue", "autorite":
    "authority", "personnel": "personnel", "marchandise": "items", "utilisation": "use", "usage": "use",
    "vorsitz": "chair", "geleitet": "chair", "presid": "chair", "presidence": "chair", "protokoll": "minutes taken",
    "ort": "place", "lieu": "place", "anwesend": "present", "present": "present", "namentlich": "personnel",
    "genannt": "personnel", "nomme": "personnel", "approuv": "approved", "genehmig": "approved", "freigegeb":
    "approved", "signe": "signed", "signataire": "signed", "unterzeichn": "signed", "unterschrieb": "signed",
    "verantwortlich": "owner", "responsable": "owner", "eigentum": "owner"}.items()}
# asks until when, in German or French: "Bis wann ist die Lizenz gültig?", "Jusqu'à quand la licence est-elle valable?"
_LASTING_FOREIGN = re.compile(r"\bbis wann\b|\bwie lange\b|\bjusqu['’]?\s*(?:a|à) quand\b|\bcombien de temps\b", re.I)


def lasting(q) -> bool:
    """The question asks until when something holds, in English, German or French."""
    return bool(LASTING.search(q.ask or q.core) or _LASTING_FOREIGN.search(q.ask or q.core))


def matches(term: str, key: set[str]) -> bool:
    """A question term names a field: the same stem, one the other begins with ("hold" / "holder"), or a field
    name that answers it ("expire" / "Valid until")."""
    return bool(ASKED_AS.get(term, set()) & key) or any(
        term == k or (min(len(term), len(k)) >= 4 and (k.startswith(term) or term.startswith(k))) for k in key)


def key_stems(label: str) -> frozenset[str]:
    """A field label as the stems that name it ("Valid until" -> {"valid", "until"})."""
    return frozenset(stem(w.lower()) for w in words(label))


def key_of(m: re.Match) -> frozenset[str]:
    """The stems of a FIELD match's label (`key_stems`)."""
    return key_stems(m.group("key"))


def records_named(q) -> list[str]:
    """The record identifiers the question or its conversation names ("TP-88-0102", "D-554321")."""
    return [n for n in (*q.names, *q.context_names) if RECORD_ID.fullmatch(n) and any(c.isdigit() for c in n)]


# the word that says what kind of record an identifier is: "amendment EL-2026-0417-A1", "licence EL-2026-0417"
_KIND_OF_RECORD = re.compile(r"(?:\b([A-Za-z][\w-]{2,})\s+)?\b([A-Za-z]{3,})\s+(?:no\.?\s*)?[A-Z]{1,5}-\d[\w-]*\d\w*")


def record_kinds(q) -> set[str]:
    """The stems of the words that say what kind of record an identifier of the question is ("licence EL-2026-0417",
    "under amendment EL-2026-0417-A1" -> {"licens", "amend"}); a hyphenated word before that one is part of the
    kind ("end-user certificate EUC-2026-0088": "end-user" names no field, not the "End-user address")."""
    out = set()
    for m in _KIND_OF_RECORD.finditer(q.ask or q.core):
        out.add(stem(m.group(2).lower()))
        if m.group(1) and "-" in m.group(1):
            out.add(stem(m.group(1).lower()))
    return out


def asked_terms(q) -> list[str]:
    """The question's terms that may name a field: not the record's own words nor a wh-word; "expire" added for a
    question asking how long ("Until when …?": the "Validity:" line answers it)."""
    if q.language != "en":  # only the field names the glossary knows: the German "von" is no "Von:" (From) field
        asked = {norm(w) for w in words(q.ask or q.core)}
        terms = sorted({t for w in asked for k, v in _FOREIGN.items() if w.startswith(k) for t in v})
        return terms + [stem("expire")] * bool(terms and _LASTING_FOREIGN.search(q.ask or q.core))
    named = {stem(w) for n in (*q.names, *q.context_names) if not n.isupper() or any(c.isdigit() for c in n)
             for w in words(n)}  # an acronym is a field's name ("ECCN"), not the record's
    kinds = record_kinds(q)  # "under amendment EL-2026-0417-A1": "amendment" names no field
    terms = [t for t in q.terms if t not in named and t not in _ASK_WORDS and t not in kinds]
    if q.kind == "date" and LASTING.search(q.ask or q.core):
        terms.append(stem("expire"))
    return terms


def answering_field(q, text: str) -> re.Match | None:
    """The first field of record `text` that a date question's terms name and whose value writes a date ("Until
    when can we ship under EUC-2026-0088?" -> "Validity: … on or before 31 October 2026"), or None; other kinds of
    English question get None (their fields are weighed by the answerability model). A German or French question
    gets the first field its glossary words name ("Inhaber" -> "Holder:")."""
    if q.language != "en":  # "Wie viele Einheiten umfasst die Lizenz …?": any field the glossary names
        terms = asked_terms(q)
        return next((m for m in FIELD.finditer(text) if any(matches(t, key_of(m)) for t in terms)), None)
    if q.kind != "date":
        return None
    terms = asked_terms(q)
    return next((m for m in FIELD.finditer(text) if CALENDAR.search(m.group("value"))
                 and any(matches(t, key_of(m)) for t in terms)), None)
