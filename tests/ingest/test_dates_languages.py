"""Document dates written in German, French, Spanish, Italian, as staff receive them.

Day, month name and year ("Veröffentlicht am 3. März 2025", "publié le 3 mars 2025", "publicado el 3 de marzo de
2025") were read already (tests/ingest/test_clean.py). These were not: a month abbreviated as CLDR writes it ("3 janv.
2025", "3. Okt. 2025"), a day-first date in numbers ("Veröffentlicht am 03.03.2025", "Publié le 03/03/2025"), and
datelines that open with other words ("Fecha de publicación:", "Mis en ligne le", "Datum:"), so a Merkblatt dated
that way had no published date. An English "03/04/2025" stays unread (month first or day first?).
"""

from __future__ import annotations

import pytest

from ingest.clean import clean
from ingest.models import DocMeta, SourceDoc
from ingest.textmeta import is_date_line, is_publication_date_line, parse_date


@pytest.mark.parametrize(("line", "iso"), [
    ("Veröffentlicht am 3. März 2025", "2025-03-03"),
    ("publié le 3 mars 2025", "2025-03-03"),
    ("publicado el 3 de marzo de 2025", "2025-03-03"),
    ("Veröffentlicht am 03.03.2025", "2025-03-03"),
    ("Datum: 03.03.2025", "2025-03-03"),
    ("Stand: 1.12.2024", "2024-12-01"),
    ("Publié le 03/03/2025", "2025-03-03"),
    ("Fecha: 3-3-2025", "2025-03-03"),
    ("Fecha de publicación: 3 de marzo de 2025", "2025-03-03"),
    ("Mis en ligne le 3 mars 2025", "2025-03-03"),
    ("Publié le 3 janv. 2025", "2025-01-03"),
    ("Veröffentlicht: 3. Okt. 2025", "2025-10-03"),
    ("Pubblicato il 3 mag 2025", "2025-05-03"),
])
def test_datelines_in_other_languages_give_the_date(line, iso):
    assert parse_date(line) == iso
    assert is_date_line(line) and is_publication_date_line(line)


@pytest.mark.parametrize("line", ["Published 03/04/2025", "03/04/2025", "Gültig bis 31.12.2026",
                                  "Version 1.2.2025"])
def test_no_publication_date_from_ambiguous_or_other_dates(line):
    assert not is_publication_date_line(line)


def test_an_english_only_reading_leaves_other_languages_alone():
    assert parse_date("Veröffentlicht am 03.03.2025", english_only=True) is None
    assert parse_date("Published 3 March 2025", english_only=True) == "2025-03-03"


@pytest.mark.parametrize("dateline", ["Veröffentlicht am 03.03.2025", "Stand: 3. März 2025"])
def test_a_merkblatt_gets_its_published_date(dateline):
    text = (f"Merkblatt zur Ausfuhr von K9-Kernen\n{dateline}\n\nDieses Merkblatt erläutert, wann für die Ausfuhr von "
            "K9-Kernen nach Malaysia eine Genehmigung erforderlich ist und welche Unterlagen der Ausführer vorlegen "
            "muss, bevor die Sendung das Lager verlässt.\n")
    doc = clean(SourceDoc(doc_id="m", source="m.txt", fmt="txt", text=text, meta=DocMeta(), content_hash="h"))
    assert doc.meta.published == "2025-03-03" and doc.meta.published_from == "text"
    assert dateline in doc.text  # a dateline in another language stays quotable
