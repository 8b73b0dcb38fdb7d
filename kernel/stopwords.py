"""The one place English stop words are defined: words too common to search by or to compare passages by.

Three sets, each built on the one before:

- `BM25_STOPWORDS` (33 words: "a", "the", "is", "not" …): what the lexical index (ingest.lexical) leaves out of every
  passage and every search. It is bm25s's own English list (`bm25s.stopwords.STOPWORDS_EN`, what
  `Tokenizer(stopwords="en")` used before), read from the installed library, so the index is exactly what it was.
- `FUNCTION_WORDS`: the rest of English grammar that carries no content in a question or a claim (pronouns,
  auxiliaries and modals, quantifiers, "about", "over", "it's") and the placeholders "one", "thing".
- `QUESTION_WORDS`: the words of asking and of pointing at the documents ("tell", "explain", "list", "according",
  "article", "document", "source"): in "Tell me what the article says about 3A090" only "3A090" is asked about.

`QUERY_STOPWORDS` is their union: what the answering side (assistant.terms.STOP) skips when it picks a question's
or a claim's content words and stems. The index keeps the extra words on purpose: "may", "must", "can", "under",
"over" and "all" are the words of a rule and a threshold, and the answering side looks words up in the index's
vocabulary and document frequencies. Indexing with `QUERY_STOPWORDS` instead changed 14 of the 245 answers of
`python -m evals run golden compliance_docs --engine extractive` (one to an abstention; issue 12), so the two
lists differ by exactly `FUNCTION_WORDS | QUESTION_WORDS`. A change to `BM25_STOPWORDS` changes the index: bump
kernel.tokens.TOKENIZER_VERSION with it.

ingest.boilerplate keeps jusText's per-language stoplists: those measure how much running prose a block of a web
page holds (in the page's language), not what to search by.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


def _bm25s_english() -> frozenset[str]:
    """bm25s's English stop words (`bm25s/stopwords.py`, `STOPWORDS_EN`), read without importing the bm25s package
    (its `__init__` loads numpy and scipy, ~0.5 s, which the answering side's modules otherwise never pay at import).
    ImportError when bm25s is not installed or no longer ships that file (a dependency of this project)."""
    package = importlib.util.find_spec("bm25s")  # locates the package; does not run its __init__
    if package is None or package.origin is None:
        raise ImportError("bm25s is not installed: it defines the index's English stop words")
    spec = importlib.util.spec_from_file_location("_bm25s_stopwords", Path(package.origin).with_name("stopwords.py"))
    if spec is None or spec.loader is None:
        raise ImportError("bm25s ships no stopwords.py: kernel.stopwords reads its English list from there")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return frozenset(module.STOPWORDS_EN)


BM25_STOPWORDS: frozenset[str] = _bm25s_english()

FUNCTION_WORDS = frozenset({
    # pronouns and determiners
    "i", "me", "my", "we", "our", "you", "your", "he", "him", "his", "she", "her", "them", "its", "those",
    "what", "which", "who", "whom", "whose", "when", "where", "why", "how",
    "some", "any", "each", "few", "more", "most", "both", "all", "other", "same", "own", "many", "much",
    # auxiliaries and modals
    "been", "being", "were", "do", "does", "did", "doing", "done", "have", "has", "had", "having",
    "can", "could", "would", "should", "shall", "may", "might", "must",
    # prepositions, adverbs, conjunctions
    "from", "about", "above", "below", "over", "under", "again", "further", "once", "here", "now", "than", "too",
    "very", "just", "also", "so", "only",
    # contractions as the tokenizer leaves them ("don't" -> "don", "t"; "it's" whole)
    "s", "t", "don", "there's", "what's", "who's", "it's",
    # placeholders for the thing asked about
    "one", "ones", "thing", "things",
})

QUESTION_WORDS = frozenset({
    "please", "tell", "say", "said", "says", "according", "give", "name", "list", "describe", "explain",
    "article", "articles", "document", "documents", "source", "sources",
})

QUERY_STOPWORDS: frozenset[str] = BM25_STOPWORDS | FUNCTION_WORDS | QUESTION_WORDS
