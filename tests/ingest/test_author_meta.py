"""A document's author is stored with every chunk as metadata `author` ("" when unknown), as title and published are.

It comes from sources.csv, front matter (`author:`), the file's properties (.docx, PDF), or the text: a byline ("By
Jane Doe", "Author: Jane Doe") or a memo's "From:" field ("From: Priya Raman, Compliance Lead"; names with accents
too). Before, the chunks in the vector store carried no author, and a memo's sender was not read as its author.
"""

from __future__ import annotations

import pytest

from tests.helpers import fast_settings
from tests.ingest.test_doc_headings import BODY, CHECKS, _clean


@pytest.mark.parametrize("head, author", [
    ("Export screening checklist\nBy Jane Doe\n\n", "Jane Doe"),
    ("Export screening checklist\nAuthor: Jane Doe\n\n", "Jane Doe"),
    ("MEMORANDUM\nTo: APAC sales\nFrom: Priya Raman, Compliance Lead\nSubject: K9 cores to Malaysia\n\n",
     "Priya Raman"),
    ("Merkblatt zur Ausfuhr\nVon: Hans Müller\n\n", "Hans Müller"),
    ("Export screening checklist\n\n", None),
])
def test_the_author_is_read_from_the_text(head, author):
    assert _clean(head + CHECKS).meta.author == author


def test_chunks_carry_the_author_as_metadata(tmp_path):
    from ingest.chroma_store import ChromaStore
    from ingest.pipeline import run

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "checklist.txt").write_text("Export screening checklist\nBy Jane Doe\n\n" + CHECKS, encoding="utf-8")
    (corpus / "front.md").write_text("---\ntitle: Screening notes\nauthor: Ana Lima\n---\n" + BODY, encoding="utf-8")
    (corpus / "plain.txt").write_text("Screening log rules\n\n" + BODY, encoding="utf-8")
    settings = fast_settings(tmp_path / "home")
    run([corpus], settings)
    got = ChromaStore(settings).col.get(include=["metadatas"])
    authors = {m["doc_id"]: m["author"] for m in got["metadatas"]}
    assert authors == {"checklist": "Jane Doe", "front": "Ana Lima", "plain": ""}
