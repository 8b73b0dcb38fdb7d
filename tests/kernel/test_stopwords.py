"""The one English stop word list (kernel.stopwords): the index drops exactly bm25s's English list, the answering
side that list and the function and question words, and reading it loads none of bm25s's numpy and scipy."""

from __future__ import annotations

import subprocess
import sys

from kernel.stopwords import BM25_STOPWORDS, FUNCTION_WORDS, QUERY_STOPWORDS, QUESTION_WORDS
from tests.helpers import ROOT


def test_the_index_drops_exactly_bm25s_english_list():
    from bm25s.stopwords import STOPWORDS_EN

    assert frozenset(STOPWORDS_EN) == BM25_STOPWORDS
    from ingest.lexical import _tokenizer

    assert set(_tokenizer().stopwords) == BM25_STOPWORDS


def test_the_answering_side_also_skips_function_and_question_words():
    from assistant.terms import STOP, content_stems

    assert STOP is QUERY_STOPWORDS == BM25_STOPWORDS | FUNCTION_WORDS | QUESTION_WORDS
    assert not (FUNCTION_WORDS | QUESTION_WORDS) & BM25_STOPWORDS  # each word defined once
    assert {"tell", "explain", "article", "document", "may", "must"} <= QUERY_STOPWORDS - BM25_STOPWORDS
    assert content_stems("Please tell me what the article says about ECCN 3A090") == ["eccn", "3a090"]


def test_reading_the_list_does_not_import_bm25s():
    code = "import sys, kernel.stopwords; print('bm25s' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]
