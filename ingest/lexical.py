"""The lexical side of the index: BM25 (bm25s, snowball-stemmed) over the same chunks as Chroma.

Each build is written to its own directory `bm25-<corpus version>/` and only then named in the manifest,
so a crash mid-write never leaves a half-written index in use.
"""

from __future__ import annotations

import json
import shutil
from functools import lru_cache
from pathlib import Path

import numpy as np

from kernel.errors import IndexUnavailableError


def _tokenizer():
    """bm25s's tokenizer with the pipeline's one definition of a word (kernel.tokens): identifiers kept whole and
    in parts, Unicode letters, accents folded; English stop words (kernel.stopwords.BM25_STOPWORDS) removed, alphabetic
    words stemmed."""
    import bm25s

    from kernel.stopwords import BM25_STOPWORDS
    from kernel.tokens import index_terms, stem

    return bm25s.tokenization.Tokenizer(stopwords=sorted(BM25_STOPWORDS), splitter=index_terms, stemmer=stem)


def build(index_dir: Path, version: str, ids: list[str], texts: list[str]) -> str:
    """Write a BM25 index of `texts` to `index_dir/bm25-<version>` and return that directory's name."""
    import bm25s

    name = f"bm25-{version}"
    target, tmp = index_dir / name, index_dir / f"{name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    tok = _tokenizer()
    retriever = bm25s.BM25()
    if texts:
        tokens = tok.tokenize(texts, return_as="tuple", show_progress=False)
        retriever.index(tokens, show_progress=False)
        retriever.save(str(tmp), show_progress=False)
        tok.save_vocab(str(tmp))
    (tmp / "ids.json").write_text(json.dumps(ids))
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return name


def prune(index_dir: Path, keep: str) -> None:
    """Remove BM25 directories other than `keep` (old versions, interrupted builds)."""
    for d in index_dir.glob("bm25-*"):
        if d.name != keep:
            shutil.rmtree(d, ignore_errors=True)


def problem(directory: Path) -> str | None:
    """Why the BM25 index in `directory` cannot be used (missing, or files that do not load), or None."""
    if not directory.is_dir():
        return f"the lexical index {directory.name} is missing"
    try:
        Lexical(directory)
    except IndexUnavailableError as exc:
        return str(exc).split(": run `", 1)[0]
    return None


SEARCH_CACHE = 1024  # searches remembered per loaded index (at most 200 (id, score) pairs each: ~16 MB at worst)


class Lexical:
    """A loaded BM25 index: `search(query, k)` -> [(chunk_id, bm25 score)], best first. IndexUnavailableError when
    its files are missing or damaged. A search is a pure function of the loaded files, so the last `SEARCH_CACHE`
    are remembered: the names of questions come back (each `absent` check searches a name twice), and a re-ingest
    loads a new `Lexical`."""

    def __init__(self, directory: Path):
        try:
            self._load(directory)
        except Exception as exc:  # bm25s and json raise many types for a missing or truncated file
            raise IndexUnavailableError(f"the lexical index {directory.name} is damaged ({exc.__class__.__name__}: "
                                        f"{exc}): run `python -m ingest` to repair the index") from None
        self._cached = lru_cache(maxsize=SEARCH_CACHE)(self._search)

    def _load(self, directory: Path) -> None:
        import bm25s

        self.ids: list[str] = json.loads((directory / "ids.json").read_text())
        if not isinstance(self.ids, list) or not all(isinstance(i, str) for i in self.ids):
            raise ValueError("ids.json is not a list of chunk ids")
        self.retriever = bm25s.BM25.load(str(directory), show_progress=False) if self.ids else None
        self.tok = _tokenizer()
        if self.ids:
            self.tok.load_vocab(str(directory))
            if self.retriever.scores["num_docs"] != len(self.ids):
                raise ValueError(f"{self.retriever.scores['num_docs']} documents scored for {len(self.ids)} ids")

    def search(self, query: str, k: int = 10) -> list[tuple[str, float]]:
        """Up to `k` (chunk_id, BM25 score > 0), best first (a new list: the caller may change it)."""
        return list(self._cached(query, k))

    def _search(self, query: str, k: int) -> tuple[tuple[str, float], ...]:
        if self.retriever is None:
            return ()
        tokens = self.tok.tokenize([query], update_vocab=False, return_as="ids", show_progress=False)
        if not tokens or not tokens[0]:
            return ()
        k = min(k, len(self.ids))
        # n_threads=0 is bm25s's plain map; any other value builds a ThreadPoolExecutor (a new thread) per call
        docs, scores = self.retriever.retrieve(tokens, k=k, show_progress=False, n_threads=0)
        return tuple((self.ids[int(i)], float(s)) for i, s in zip(np.ravel(docs), np.ravel(scores), strict=True)
                     if s > 0)

    def doc_freq(self, stem: str) -> int:
        """In how many chunks a (snowball-stemmed, lower-case) term occurs; 0 when the index never saw it."""
        if self.retriever is None:
            return 0
        tid = self.retriever.vocab_dict.get(stem)
        if tid is None:
            return 0
        indptr = self.retriever.scores["indptr"]
        return int(indptr[tid + 1] - indptr[tid])

    def terms(self) -> set[str]:
        """Every index term (stem or identifier) BM25 holds."""
        return set(self.retriever.vocab_dict) if self.retriever is not None else set()

    def words(self) -> dict[str, str]:
        """Every normalised word seen at indexing, with its index term ("violates" -> "violat")."""
        return {w: s for w, s in self.tok.word_to_stem.items() if w} if self.retriever is not None else {}

    @property
    def n_docs(self) -> int:
        return len(self.ids)
