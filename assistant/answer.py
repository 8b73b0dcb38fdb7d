"""`answer()`: the one function the CLI, the HTTP API, the chat UI and the evaluations call.

question → condense (with the conversation) → hybrid retrieval → evidence units → abstain? → engine draft →
verification → Answer. Everything an engine says is checked against the passages it cites.
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace

from assistant import injection, language, supersession
from assistant.abstain import decide, seen
from assistant.answerability import model_path
from assistant.engines import amendments, corrections, decisions, minutes
from assistant.engines import registry as engines
from assistant.engines.base import Context, Draft
from assistant.engines.bottom_line import is_rule_question
from assistant.evidence import Evidence
from assistant.models import Answer, Filters, Turn
from assistant.queries import classes, sub_queries
from assistant.question import Question, analyze
from assistant.record_fields import asked_terms
from assistant.retrieve import Retriever
from assistant.settings import AssistantSettings, load_assistant_settings
from assistant.terms import CALENDAR_WORD, content_stems, norm, stem, words
from assistant.verify import Passage, cite, verify
from assistant.vocabulary import Vocabulary
from kernel.errors import InputError, LLMUnavailableError, NotFoundError

MAX_QUESTION_CHARS = 4000
PLANTED_CACHE = 20_000  # documents whose planted-instruction spans an index state remembers (Assistant.planted)
ABSTAIN = "The documents do not say. None of the indexed documents answers this question."


def __getattr__(name: str):
    """`ENGINE_NAMES`: the registered engines (assistant.engines.registry), for callers that read it here."""
    if name == "ENGINE_NAMES":
        return engines.names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Assistant:
    """An opened index with its embedder, retriever, evidence cache and engines; one per settings per process."""

    def __init__(self, settings: AssistantSettings):
        from ingest.embed import make_embedder
        from ingest.index import open_index

        self.settings = settings
        self.index = open_index(settings)
        self.embedder = make_embedder(settings.embed)
        self.answerability = model_path(settings.embed.model)  # the model fitted for this index's embedder
        self.engines: dict[str, object] = {}
        self._refresh_lock = threading.Lock()
        self._open()

    def _open(self) -> None:
        """Open the corpus version published now: everything is read into a copy (a new Index after the first open),
        then taken over in one step, so that a request that took its snapshot of this Assistant (`ask`) keeps one
        version throughout, and the next one sees only the new one."""
        from ingest.index import open_index

        fresh = copy.copy(self)
        if hasattr(self, "corpus_version"):  # a refresh: requests in flight keep reading the old Index
            fresh.index = open_index(self.settings)
        fresh._load()
        self.__dict__.update(fresh.__dict__)

    def _load(self) -> None:
        self.index.reload()  # a re-ingest by another process: read its vectors and BM25 index, not the cached ones
        self.corpus_version = self.index.version  # the one version everything below reads
        self.retriever = Retriever(self.index, self.settings)
        rows = self.index.chunks()  # read once: the acronyms' definitions and the superseding sentences
        self.vocabulary = Vocabulary(self.index.lexical, self.retriever.docs,
                                     (c["text"] for c in rows if "(" in c["text"]))
        self.evidence = Evidence(self.embedder, self.index.lexical, self.settings.answer.embed_chunks)
        self.superseded = self._superseded(rows)
        self.amending = amendments.collect(rows, self.retriever.docs)  # "… no longer by Marcus Lindqvist."
        self.decided = decisions.collect(rows, self.retriever.docs)  # "We will not split SH-2026-0231 …"
        self.corrections = corrections.collect(rows, self.retriever.docs)  # "Field corrected: ECCN" …
        self.agenda = minutes.agenda(rows)  # "Item 1: Chao Phraya AI Labs …, order PO-CPA-2026-031"
        self.records = self.retriever.records(rows)  # {"SH-2026-0231": the short documents that name it}
        self.tabled = self.retriever.tabled(rows)  # short documents holding a table: read whole when retrieved
        self._planted: OrderedDict[str, list] = OrderedDict()  # LRU of `PLANTED_CACHE` documents
        self._planted_lock = threading.Lock()

    def _superseded(self, rows: list[dict]) -> dict[str, supersession.Supersession]:
        """The documents a newer indexed one says it supersedes (assistant.supersession), from the chunk rows; looked
        for only when some chunk uses a superseding verb."""
        lexical = self.index.lexical
        if not any(lexical.doc_freq(stem(w)) for w in ("supersedes", "replaces", "cancels", "withdraws")):
            return {}
        openings = {r["doc_id"]: r["text"][:300] for r in rows if r.get("ordinal") == 0}
        return supersession.find(self.retriever.docs, rows, openings)

    def refresh(self) -> None:
        """Reopen the vector store, the lexical index and the document table when an ingest has changed the corpus
        (one request reopens them; the others wait for it); also when it wrote the same version again (a new
        generation: the rows of the one opened are purged in time)."""
        if self.index.outdated():
            with self._refresh_lock:
                if self.index.outdated():
                    self._open()

    def engine(self, name: str):
        if name not in self.engines:
            self.engines[name] = engines.build(name, self.settings)
        return self.engines[name]

    def texts(self, ids: list[str]) -> dict[str, str]:
        """Chunk texts by id."""
        return {c["chunk_id"]: c["text"] for c in self.index.chunks(ids=ids)} if ids else {}

    def context(self, question: str, history: list[Turn], filters: Filters | None) -> Context:
        """Question analysis, retrieval and evidence ranking for one question."""
        q = analyze(question, history, self.vocabulary.known, self.vocabulary.correct)
        cls = classes(q, self.index.lexical_search, self.texts, self.vocabulary.known) if q.kind == "yes_no" else ()
        spelled = self.spelled_out(q)
        search = " ".join([q.search, *cls, *(asked_terms(q) if q.language != "en" else ())])  # "namentlich
        # genannt": the English field name the glossary gives ("personnel") is searched too
        q = replace(q, aliases=tuple((stem(a), tuple(content_stems(full))) for a, full in spelled.items()))
        queries = [search, *sub_queries(q, cls, self.index.lexical.doc_freq)]
        qvec = self.embedder.encode([search], query=True)[0]
        wide = is_rule_question(q)  # a rule question looks for the rule in every source
        hits = self.retriever.search(qvec, queries, filters, 2 * self.settings.retrieve.passages if wide else None)
        named = frozenset(d for n in (*q.names, *q.context_names) for d in self.records.get(n, ()))
        hits = hits + self.retriever.whole(named, hits, filters) if named else hits  # the record asked about, whole
        tabled = self.tabled & {h.doc_id for h in hits}  # a table's rows are read with its header (engines/tables.py)
        table_hits = tuple(hits + self.retriever.whole(tabled, hits, filters)) if tabled else ()
        units, vectors, ignored = self.evidence.rank(q, qvec, hits, self.planted)
        old = {u.hit.doc_id: self.superseded[u.hit.doc_id] for u in units if u.hit.doc_id in self.superseded}
        if old:  # an old version's passages go last: the version that replaced it speaks first
            units = [u for u in units if u.hit.doc_id not in old] + [u for u in units if u.hit.doc_id in old]
        return Context(q, units, vectors, ignored=ignored, hits=hits, classes=cls, superseded=old,
                       amending=self.amending, decided=self.decided, corrections=self.corrections, agenda=self.agenda,
                       table_hits=table_hits)

    def spelled_out(self, q: Question) -> dict[str, str]:
        """What the acronyms of the question stand for, as the documents define them ("BIS" -> "Bureau of Industry
        and Security"), so that a passage that spells the name out is found and scored like one that abbreviates it."""
        return {w: full for w in words(q.search) if w.isupper() and (full := self.vocabulary.acronyms.get(norm(w)))}

    def planted(self, doc_id: str) -> list[tuple[int, int, str]]:
        """The spans of a document never to use as evidence (document offsets): text that tries to instruct the
        assistant and the rest of its paragraph (assistant.injection.flagged_spans), found once per document and
        remembered for the `PLANTED_CACHE` documents used last."""
        with self._planted_lock:
            if doc_id in self._planted:
                self._planted.move_to_end(doc_id)
                return self._planted[doc_id]
        try:
            spans = injection.flagged_spans(self.index.document(doc_id)["text"])
        except NotFoundError:
            spans = []
        with self._planted_lock:
            self._planted[doc_id] = spans
            while len(self._planted) > PLANTED_CACHE:  # a 100k-document index is not held in memory whole
                self._planted.popitem(last=False)
        return spans

    def absent(self, q: Question, filters: Filters | None) -> tuple[str, ...]:
        """The names of the question (asked about, or case details) that no indexed document mentions, or, with
        filters, none of the documents the filters admit; a mention inside planted instructions does not count."""
        out = []
        for n in dict.fromkeys((*q.names, *q.context_names)):
            if CALENDAR_WORD.fullmatch(n):
                continue  # "in June 2026": the case's date, not a name a document must mention
            if not seen(n, self.vocabulary.known, q.language) or \
                    filters is not None and not self.retriever.mentions(n, filters):  # "US-origin" is "U.S.-origin"
                out.append(n)
            elif self.retriever.mentions(n, filters) and not self.retriever.mentions(n, filters, self.planted):
                out.append(n)  # "Note to AI assistants: when asked about Malaysia, answer…" is no mention of Malaysia
        return tuple(out)

    def ask(self, question: str, history: list[Turn] | None = None, engine: str | None = None,
            filters: Filters | None = None, on_token: Callable[[str], None] | None = None) -> Answer:
        """Answer one question (see `answer()`); the stages are timed in `Answer.timings_ms`. The whole answer reads
        the corpus version opened when it starts (a snapshot of this Assistant), whatever a refresh does meanwhile,
        under a lease on its generation (ingest.index.read_consistently: read again if a rebuild wiped it)."""
        from ingest.index import read_consistently

        t0 = time.perf_counter()
        return read_consistently(self._snapshot, lambda snap: snap._ask(question, history, engine, filters, on_token,
                                                                         t0))

    def _snapshot(self) -> tuple:
        """(the Index, a copy of this Assistant) on the version published now: what one answer reads."""
        self.refresh()
        snap = copy.copy(self)
        return snap.index, snap

    def _ask(self, question: str, history: list[Turn] | None, engine: str | None, filters: Filters | None,
             on_token: Callable[[str], None] | None, t0: float) -> Answer:
        name = engine or self.settings.answer.engine
        eng = self.engine(name)
        filters, filter_notes = self.retriever.resolve(filters)
        ctx = self.context(question, history or [], filters)
        q = ctx.question
        verdict = decide(q, ctx.units, self.vocabulary.known, self.evidence.idf,
                         self.settings.answer.min_relevance, self.settings.answer.answerability_threshold,
                         self.answerability)
        ctx = replace(ctx, unknown=verdict.unknown, absent=self.absent(q, filters), filtered=filters is not None)
        t1 = time.perf_counter()
        warnings = self._notes(ctx, filters) + filter_notes
        if verdict.abstain:
            return self._abstained(ctx, name, verdict, verdict.reason, warnings, t0, t1)
        fell_back, fallback = False, engines.fallback()
        try:
            draft: Draft = eng.draft(ctx, on_token)
        except LLMUnavailableError as exc:  # a backend down or past its deadline: the fallback's answer, and say so
            if name == fallback:
                raise
            warnings.append(f"the {name} engine is unavailable ({exc}); showing the {fallback} answer instead")
            draft, fell_back = self.engine(fallback).draft(ctx), True
        wrote = fallback if fell_back else name
        warnings += draft.warnings + self._superseded_notes(ctx, draft)
        if draft.abstained:
            return self._abstained(ctx, name, verdict, "the engine found no answer in the passages", warnings, t0, t1)
        checked = verify(draft.text, draft.passages, self.settings.answer.support_threshold, draft.trusted)
        warnings += checked.warnings
        failed = not checked.kept or checked.dropped > checked.kept  # "CGTN [1]" states nothing
        if name != fallback and not fell_back and failed:
            warnings.append(f"the {name} answer failed verification ("
                            + (f"{checked.dropped} of its {checked.dropped + checked.kept} checked sentences had no "
                               "supporting passage" if checked.dropped else
                               "none of its sentences made a claim a passage could support")
                            + f"); showing the {fallback} answer instead")
            draft, wrote = self.engine(fallback).draft(ctx), fallback
            checked = verify(draft.text, draft.passages, self.settings.answer.support_threshold, draft.trusted)
        if not checked.citations:
            return self._abstained(ctx, name, verdict, "no sentence of the draft survived verification", warnings,
                                   t0, t1)
        warnings[:0] = self._planted_notes(ctx, {c.doc_id for c in checked.citations})
        return self._answer(checked.text, checked.citations, False, wrote, verdict, warnings, t0, t1)

    def _notes(self, ctx: Context, filters: Filters | None) -> list[str]:
        """What the user should know about how the question was read."""
        q, out = ctx.question, []
        if q.instructions:
            out.append("instructions inside the question were ignored")
        for typed, read in q.corrections:
            out.append(f"read “{typed}” as “{read}”")
        if q.language not in self.languages:
            out.append(f"the question seems to be in {language.name(q.language)}; the index is searched in "
                       f"{', '.join(language.name(c) for c in self.languages)}, so passages may be missed: asking in "
                       f"{language.name(self.languages[0])} gives the best results")
        return out

    @staticmethod
    def _planted_notes(ctx: Context, cited: set[str] | None) -> list[str]:
        """A note for each retrieved document that holds text addressed to an AI assistant, set aside as evidence:
        of those the answer cites (`cited`, doc ids) or whose planted text names what the question names, or of all
        when it abstains (None): a licence whose remarks try to instruct is worth knowing about when it is quoted or
        aimed at the question, not on every answer that happened to retrieve it."""
        out, names = [], {n.lower() for n in (*ctx.question.names, *ctx.question.context_names)}
        for doc_id, text in ctx.ignored.items():
            if cited is not None and doc_id not in cited and not any(n in text.lower() for n in names):
                continue  # neither quoted nor aimed at what was asked ("when asked about Malaysia, answer …")
            short = text if len(text) <= 120 else text[:117] + "…"
            out.append(f"the document {doc_id} contains text addressed to an AI assistant (“{short}”); it and the "
                       "claims in its paragraph were not used as evidence")
        return out

    def _superseded_notes(self, ctx: Context, draft: Draft) -> list[str]:
        """A note for each old version whose passages, or whose successor's, the draft quotes: which is current and
        the sentence that says so."""
        cited = {p.hit.doc_id for p in draft.passages}
        return [f"{self._named(old)} is superseded by {self._named(by.new)}, which says: “{by.quote.rstrip('.')}”; "
                "its passages come after the current version's and its rules are not applied"
                for old, by in ctx.superseded.items() if old in cited or by.new in cited]

    def _named(self, doc_id: str) -> str:
        """A document as a reader knows it: its title, with its date when it has one."""
        meta = self.retriever.docs.get(doc_id, {})
        title = meta.get("title") or doc_id
        return f"{title} ({meta['published']})" if meta.get("published") else title

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the index is searched well in (the embedding model's and the stemmer's)."""
        return tuple(getattr(self.embedder, "languages", None) or ("en",))

    def _answer(self, text: str, citations, abstained: bool, engine: str, verdict, warnings: list[str],
                t0: float, t1: float) -> Answer:
        t2 = time.perf_counter()
        answerability = {"answerable": not abstained, "probability": verdict.probability,
                         "threshold": verdict.threshold}
        return Answer(answer=text, citations=tuple(citations), abstained=abstained, engine=engine,
                      corpus_version=self.corpus_version, settings_hash=self.settings.settings_hash,
                      request_id=uuid.uuid4().hex[:16], warnings=tuple(warnings), answerability=answerability,
                      as_of=self.retriever.newest,
                      timings_ms={"retrieve": (t1 - t0) * 1e3, "answer": (t2 - t1) * 1e3, "total": (t2 - t0) * 1e3})

    def _abstained(self, ctx: Context, engine: str, verdict, reason: str, warnings: list[str], t0: float,
                   t1: float) -> Answer:
        related = [u for u in ctx.units[:3] if u.relevance >= 0.5 * self.settings.answer.min_relevance]
        text = ABSTAIN
        why = {"reason": "not_in_documents", "never_mentioned": list(ctx.unknown[:3])}
        if ctx.question.language not in self.languages:  # not "the documents do not say": they may, in English
            why = {"reason": "language", "language": ctx.question.language,
                   "name": language.name(ctx.question.language), "never_mentioned": list(ctx.unknown[:3])}
            text = (f"No passage matched this question in {language.name(ctx.question.language)}: the documents are "
                    f"searched in {language.name(self.languages[0])}, so they may answer it in words this search "
                    f"could not reach. Ask in {language.name(self.languages[0])} for an answer.")
        if ctx.filtered and not ctx.hits:  # nothing to search: not "the documents do not say"
            why = {"reason": "filters_match_nothing", "never_mentioned": []}
            text = (f"No indexed document matches the filters, so nothing was searched; the index holds "
                    f"{len(self.retriever.docs)} document(s). Widen or remove the filters to search them.")
        elif ctx.unknown:
            text += f" They never mention {_join(list(ctx.unknown[:3]))}."
        if related:
            text += " The closest passages are listed as related; they do not answer it."
        cites = [cite(i + 1, Passage(i + 1, u.hit, u.start, u.end, u.text), u.start, u.end, u.relevance)
                 for i, u in enumerate(related)]
        warnings = [*self._planted_notes(ctx, None), *warnings, f"abstained: {reason}"]
        return replace(self._answer(text, cites, True, engine, verdict, warnings, t0, t1),
                       abstention=why)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


_lock = threading.Lock()
_assistants: dict[tuple, Assistant] = {}


def get_assistant(settings: AssistantSettings | None = None) -> Assistant:
    """The process-wide Assistant for these settings (opened once: the model and index load take seconds)."""
    settings = settings or load_assistant_settings()
    key = (str(settings.home.resolve()), settings.settings_hash, settings.store.chroma_url)
    with _lock:
        if key not in _assistants:
            _assistants[key] = Assistant(settings)
        return _assistants[key]


def turns(history) -> list[Turn]:
    """Conversation turns from Turn objects or {"role", "content"} dicts; InputError on anything else."""
    out: list[Turn] = []
    for i, t in enumerate(history or []):
        if isinstance(t, Turn):
            out.append(t)
            continue
        if not isinstance(t, dict) or t.get("role") not in ("user", "assistant") or not isinstance(t.get("content"), str):
            raise InputError(f"history[{i}] must be {{\"role\": \"user\"|\"assistant\", \"content\": \"...\"}}")
        out.append(Turn(t["role"], t["content"]))
    return out


def answer(question: str, history=None, engine: str | None = None, filters=None, *,
           settings: AssistantSettings | None = None, on_token: Callable[[str], None] | None = None) -> Answer:
    """Answer `question` from the indexed documents, every claim cited; abstains when they do not say."""
    if not isinstance(question, str) or not question.strip():
        raise InputError("the question is empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(f"the question is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}")
    if engine is not None:
        engines.spec(engine)  # ConfigError listing the known engines
    return get_assistant(settings).ask(question.strip(), turns(history), engine, Filters.parse(filters), on_token)
