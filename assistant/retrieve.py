"""Hybrid retrieval: dense (the vector store) and BM25 rankings fused by reciprocal rank fusion, filtered, de-syndicated.

A chunk whose document is a syndicated copy of a better-ranked chunk's document (linked both ways at ingest)
is folded into that hit's `also_in`, unless the two word the claim differently (a hedge or a negation that the
other lacks, other numbers): then both stay, so that "violates" and "may violate" are both shown.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cached_property, lru_cache

import numpy as np

from assistant.models import Filters, Hit
from assistant.settings import AssistantSettings
from assistant.terms import hedges, negated, numbers, stem_set
from ingest.index import Index
from ingest.vector_store import Condition, MetaFilter
from kernel.errors import InputError


def _where(filters: Filters | None) -> MetaFilter | None:
    """The store-neutral metadata filter of the filters (None: no filter)."""
    if filters is None:
        return None
    clauses: list[Condition] = []
    if filters.publisher:
        clauses.append(Condition("publisher", "in", tuple(filters.publisher)))
    if filters.published_after:
        clauses.append(Condition("published_ts", ">=", int(filters.published_after.strftime("%Y%m%d"))))
    if filters.published_before:
        clauses.append(Condition("published_ts", "<=", int(filters.published_before.strftime("%Y%m%d"))))
    return MetaFilter(tuple(clauses)) if clauses else None


def _passes(meta: dict, filters: Filters | None) -> bool:
    if filters is None:
        return True
    if filters.publisher and meta.get("publisher") not in filters.publisher:
        return False
    published = meta.get("published") or ""
    if (filters.published_after or filters.published_before) and not published:
        return False
    if filters.published_after and published < filters.published_after.isoformat():
        return False
    return not (filters.published_before and published > filters.published_before.isoformat())


def same_claim(a: str, b: str, attribution: bool = True) -> bool:
    """True when two passages do not differ in hedging, negation, numbers (one may add a figure, "(May 13)", but not
    change one) or, with `attribution`, who is named ("…, Kessler said" vs "…, the BIS said": an attribution that
    differs is a different claim)."""
    ha, ga, na = _marks(a)
    hb, gb, nb = _marks(b)
    return (ha == hb and ga == gb and (na <= nb or nb <= na)
            and (not attribution or _named(a) == _named(b)))


@lru_cache(maxsize=16384)
def _marks(text: str) -> tuple[frozenset[str], bool, frozenset[str]]:
    """The hedges, negation and numbers of a passage (or a sentence of one). Cached: the same passages of the same
    chunks are compared pair by pair, question after question (pure function of the text)."""
    return hedges(text), negated(text), frozenset(numbers(text))


@lru_cache(maxsize=16384)
def _named(text: str) -> frozenset[str]:
    """Capitalised words inside sentences (names), lower-cased, without short ones ("US", "AI"); cached as
    `_marks`."""
    from assistant.names import passage_names

    return frozenset(n.lower().rstrip(".") for n in passage_names(text) if len(n) > 3 and not any(c.isdigit() for c in n))


def _rows_in_order(ids: list[str], chunks, first: int = 8):
    """The chunk row of each id in turn (None for an id the manifest lacks), read in growing blocks (`first`, then
    four times as many each time) rather than one query per id: a name's search stops at its first mention, which is
    most often among the first few hits."""
    i, size = 0, first
    while i < len(ids):
        block = ids[i:i + size]
        rows = {r["chunk_id"]: r for r in chunks(ids=block)}
        yield from (rows.get(cid) for cid in block)
        i, size = i + size, size * 4


MENTIONS_CACHE = 4096  # (name, filters, set_aside) answers remembered per opened corpus


# a record identifier: letters, then numbers ("SH-2026-0231", "EC-2026-007", "TC-LD-2026-031", "EL-2026-0417")
RECORD_NAME = re.compile(r"\b[A-Z]{1,6}(?:-[A-Z]{1,6})?-\d{2,4}(?:-\d{2,6})+\b")
# a row of a Markdown pipe table, its cells between the outer bars (engines/tables.py reads them)
TABLE_ROW = re.compile(r"(?m)^\|(?P<cells>.*)\|[ \t]*$")
RECORD_CHUNKS = 8  # a document this short is read whole when a question names it by identifier
RARE_RECORD = 2  # an identifier only this many short documents' bodies name is theirs (read whole when asked)


class Retriever:
    """Fused dense + lexical search over one index."""

    def __init__(self, index: Index, settings: AssistantSettings):
        self.index, self.settings = index, settings
        self._mentions = lru_cache(maxsize=MENTIONS_CACHE)(self._find_mention)

    @cached_property
    def docs(self) -> dict[str, dict]:
        """Citation metadata of every document (title, publisher, published, url), by doc_id."""
        return {d["doc_id"]: d for d in self.index.documents()}

    @cached_property
    def newest(self) -> str | None:
        """The newest publication date among the indexed documents (ISO date string), None when none is dated.
        Computed once per opened corpus (a Retriever is rebuilt when the corpus changes): it was a scan of every
        document per answer, ~30 ms at 35,000 documents."""
        return max((str(d["published"]) for d in self.docs.values() if d.get("published")), default=None)

    def records(self, rows: list[dict], most: int = RECORD_CHUNKS) -> dict[str, frozenset[str]]:
        """{record identifier ("SH-2026-0231", "EC-2026-007"): the doc_ids of the short documents (at most `most`
        chunks) whose title or opening names it, or, for one no title or opening names, the one or two
        (`RARE_RECORD`) whose body does ("Case DPS-2026-019 (order PO-HEN-2026-007, …)")}, from the index's chunk
        rows (read once when the index opens)."""
        sizes = Counter(r["doc_id"] for r in rows)
        out: dict[str, set[str]] = {}
        body: dict[str, set[str]] = {}
        for r in rows:
            if sizes[r["doc_id"]] > most:
                continue
            if r.get("ordinal") == 0:
                head = str(self.docs.get(r["doc_id"], {}).get("title") or "") + " " + r["text"][:300]
                for m in RECORD_NAME.finditer(head):
                    out.setdefault(m.group(0), set()).add(r["doc_id"])
            for m in RECORD_NAME.finditer(r["text"]):
                body.setdefault(m.group(0), set()).add(r["doc_id"])
        for name, docs in body.items():  # "order PO-HEN-2026-007" in a procedure's case record: a record named in
            if name not in out and len(docs) <= RARE_RECORD:  # the body of one or two short documents only
                out[name] = docs
        return {k: frozenset(v) for k, v in out.items()}

    def tabled(self, rows: list[dict], most: int = RECORD_CHUNKS) -> frozenset[str]:
        """The short documents (at most `most` chunks) with a Markdown table row ("| SH-2026-0315 | … |") in a chunk:
        read whole when one of their chunks is retrieved, so that a row is read with its header."""
        sizes = Counter(r["doc_id"] for r in rows)
        return frozenset(r["doc_id"] for r in rows if sizes[r["doc_id"]] <= most and TABLE_ROW.search(r["text"]))

    def whole(self, doc_ids: frozenset[str], hits: list[Hit], filters: Filters | None) -> list[Hit]:
        """The chunks of `doc_ids` (the short records a question names by identifier) that `hits` lack, as hits
        ranked after them: a question about SH-2026-0231 reads the whole email about it, not the two chunks that
        retrieval's per-document limit let through. Filters apply."""
        have = {h.chunk_id for h in hits}
        out = []
        for d in sorted(doc_ids):
            meta = self.docs.get(d, {})
            if not _passes(meta, filters):
                continue
            out += [Hit(chunk_id=r["chunk_id"], doc_id=d, text=r["text"], start=r["start"], end=r["end"], score=0.0,
                        page=r.get("page"), pages=tuple(tuple(p) for p in r.get("pages") or ()), meta=meta)
                    for r in self.index.chunks(doc_id=d) if r["chunk_id"] not in have]
        return out

    def rankings(self, qvec: np.ndarray, queries: list[str], filters: Filters | None) -> tuple[list, list[list[str]]]:
        """The dense ranking as (chunk_id, cosine), then one BM25 ranking per query text (filtered after the fact)."""
        r = self.settings.retrieve
        dense = self.exact_filtered(qvec, filters) if filters else None
        if dense is None:
            dense = self.index.dense_search(qvec, r.dense_k, _where(filters))
        lists = []
        for q in queries:
            ids = [cid for cid, _ in self.index.lexical_search(q, r.lexical_k * (3 if filters else 1))]
            if filters:
                rows = {c["chunk_id"]: c["doc_id"] for c in self.index.chunks(ids=ids)}
                ids = [i for i in ids if i in rows and _passes(self.docs.get(rows[i], {}), filters)]
            lists.append(ids[: r.lexical_k])
        return dense, lists

    def resolve(self, filters: Filters | None) -> tuple[Filters | None, list[str]]:
        """`filters` with each publisher matched case-insensitively to an indexed one, and notes for the answer (how
        many undated documents a date filter leaves out). InputError names an unknown publisher and the known ones."""
        if filters is None:
            return None, []
        known = {str(m.get("publisher")).casefold(): m["publisher"] for m in self.docs.values() if m.get("publisher")}
        unknown = [p for p in filters.publisher if p.casefold() not in known]
        if unknown:
            raise InputError(f"unknown publisher {', '.join(map(repr, unknown))}; the indexed publishers are: "
                             f"{', '.join(sorted(known.values(), key=str.casefold)) or 'none'}")
        pubs = tuple(known[p.casefold()] for p in filters.publisher)
        resolved = Filters(pubs, filters.published_after, filters.published_before)
        notes = []
        if filters.published_after or filters.published_before:
            undated = [d for d, m in self.docs.items() if not m.get("published")
                       and (not pubs or m.get("publisher") in pubs)]
            if undated:
                notes.append(f"{len(undated)} document(s) without a publication date were left out by the date filter")
        if not any(_passes(m, resolved) for m in self.docs.values()):
            notes.append("no indexed document matches the filters")
        return resolved, notes

    def mentions(self, name: str, filters: Filters | None, set_aside=None) -> bool:
        """Some document the filters admit contains `name` (a BM25 search for it, filtered). `set_aside(doc_id)`, if
        given, lists `(start, end, ...)` spans of a document (document offsets) that do not count: the planted
        instructions never used as evidence do not make a place "mentioned" either; it must be hashable (a function
        or a bound method) and give the same spans for a document every time. Remembered per opened corpus (a
        Retriever is rebuilt when the corpus changes): the same names are checked question after question (~0.6 ms
        of CPU per name, measured on the five articles), and twice per name in one answer."""
        return self._mentions(name, filters, set_aside)

    def _find_mention(self, name: str, filters: Filters | None, set_aside) -> bool:
        want = stem_set(name)
        for row in _rows_in_order([cid for cid, _ in self.index.lexical_search(name, 200)], self.index.chunks):
            if row is None or not _passes(self.docs.get(row["doc_id"], {}), filters):
                continue
            text = row["text"]
            for s, e, *_ in sorted(set_aside(row["doc_id"]) if set_aside else [], reverse=True):
                a, b = max(s - row["start"], 0), min(e - row["start"], len(text))
                if a < b:
                    text = text[:a] + " " + text[b:]
            if want <= stem_set(text):
                return True
        return False

    def exact_filtered(self, qvec: np.ndarray, filters: Filters, most: int = 20_000) -> list | None:
        """Exact dense search over the chunks of the documents the filters admit, when they are few: faster than
        HNSW with a `where` clause at 100k chunks (about 20 vs 110-150 ms) and exact. None: too many, use HNSW."""
        ids = self.index.chunk_ids_of([d for d, meta in self.docs.items() if _passes(meta, filters)])
        if len(ids) > most:
            return None
        vecs = self.index.embeddings(ids)
        if not vecs:
            return []
        keys = list(vecs)
        scores = np.stack([vecs[k] for k in keys]) @ np.asarray(qvec, dtype=np.float32)
        top = np.argsort(-scores)[: self.settings.retrieve.dense_k]
        return [(keys[i], float(scores[i])) for i in top]

    def search(self, qvec: np.ndarray, queries: list[str], filters: Filters | None = None,
               passages: int | None = None) -> list[Hit]:
        """The top `passages` chunks (default `retrieve.passages`), best first, syndicated copies folded into
        `also_in`."""
        r = self.settings.retrieve
        n = passages or r.passages
        dense, lexical = self.rankings(qvec, queries, filters)
        cosine = dict(dense)
        fused: dict[str, float] = {}
        for ranking in [[cid for cid, _ in dense], *lexical]:
            for rank, cid in enumerate(ranking):
                fused[cid] = fused.get(cid, 0.0) + 1.0 / (r.rrf_k + rank + 1)
        top = sorted(fused, key=lambda c: -fused[c])[: n * 3]
        missing = [c for c in top if c not in cosine]
        if missing:  # lexical-only hits: their cosine from the stored vectors
            for cid, vec in self.index.embeddings(missing).items():
                cosine[cid] = float(np.dot(vec, qvec))
        lex_score = {cid: 1.0 / (rank + 1) for rank, cid in enumerate(lexical[0])} if lexical else {}
        rows = {c["chunk_id"]: c for c in self.index.chunks(ids=top)}
        hits: list[Hit] = []
        for cid in top:
            row = rows.get(cid)
            if row is None:  # in Chroma but not (yet) in the manifest: never cite it
                continue
            meta = self.docs.get(row["doc_id"], {})
            hits.append(Hit(chunk_id=cid, doc_id=row["doc_id"], text=row["text"], start=row["start"], end=row["end"],
                            score=fused[cid], dense=cosine.get(cid), lexical=lex_score.get(cid),
                            also_in=tuple(row["also_in"]), page=row.get("page"),
                            pages=tuple(tuple(p) for p in row.get("pages") or ()), meta=meta))
        return spread(fold_syndicated(hits), n, r.per_document)


def spread(hits: list[Hit], n: int, per_doc: int) -> list[Hit]:
    """The best `n` hits with at most `per_doc` from one document while others are left (then the rest, by rank)."""
    first, rest, count = [], [], {}
    for h in hits:
        if count.get(h.doc_id, 0) < per_doc:
            count[h.doc_id] = count.get(h.doc_id, 0) + 1
            first.append(h)
        else:
            rest.append(h)
    chosen = set(map(id, (first + rest)[:n] if len(first) < n else first[:n]))
    return [h for h in hits if id(h) in chosen]


def fold_syndicated(hits: list[Hit]) -> list[Hit]:
    """Drop a hit whose document and a better hit's are syndicated copies (linked both ways at ingest), when the
    two passages share most of their words and agree on hedges, negation and numbers; the better hit's `also_in`
    already names the copy."""
    kept: list[Hit] = []
    for h in hits:
        if not any(k.doc_id != h.doc_id and k.doc_id in h.also_in and h.doc_id in k.also_in
                   and jaccard(k.text, h.text) >= 0.6 and same_claim(k.text, h.text) for k in kept):
            kept.append(h)
    return kept


@lru_cache(maxsize=65536)
def jaccard(a: str, b: str) -> float:
    """Shared index terms over all index terms of two texts, in [0, 1]. Cached (a pure function of the texts): the
    engines compare the same passages and sentences pair by pair, question after question."""
    sa, sb = stem_set(a), stem_set(b)
    return len(sa & sb) / max(1, len(sa | sb))
