"""Which words the indexed documents use: the BM25 vocabulary plus the documents' titles, publishers and authors."""

from __future__ import annotations

import bisect

from assistant.terms import stem, words


class Vocabulary:
    """`known(stem)`: the documents use this word, or a word it is the stem prefix of ("congress" → "congressional")."""

    def __init__(self, lexical, docs: dict[str, dict]):
        self.doc_freq = lexical.doc_freq
        meta = {stem(w.lower()) for d in docs.values() for k in ("title", "publisher", "author")
                for w in words(d.get(k) or "")}
        vocab = set(lexical.retriever.vocab_dict) if lexical.retriever is not None else set()
        self.sorted = sorted(vocab | meta)
        self.meta = meta

    def known(self, term: str) -> bool:
        if self.doc_freq(term) > 0 or term in self.meta:
            return True
        if len(term) < 5:
            return False
        i = bisect.bisect_left(self.sorted, term)
        return i < len(self.sorted) and self.sorted[i].startswith(term)
