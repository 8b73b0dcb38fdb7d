"""`answer()`: the one function the CLI, the HTTP API, the chat UI and the evaluations call.

question → condense (with the conversation) → hybrid retrieval → evidence units → abstain? → engine draft →
verification → Answer. Everything an engine says is checked against the passages it cites.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

from assistant.abstain import decide
from assistant.engines.base import Context, Draft
from assistant.evidence import Evidence
from assistant.models import Answer, Filters, Turn
from assistant.question import JUDGMENT, Question, analyze
from assistant.retrieve import Retriever
from assistant.settings import AssistantSettings, load_assistant_settings
from assistant.terms import stem
from assistant.verify import Passage, cite, verify
from assistant.vocabulary import Vocabulary
from ingest.errors import ConfigError, InputError, LLMUnavailableError

MAX_QUESTION_CHARS = 4000
ABSTAIN = "The documents do not say. None of the indexed articles answers this question."
ENGINE_NAMES = ("extractive", "llm")


def make_engine(name: str, settings: AssistantSettings):
    """The engine called `name`; ConfigError lists the known names."""
    if name == "extractive":
        from assistant.engines.extractive import ExtractiveEngine

        return ExtractiveEngine(settings.answer.max_sentences)
    if name == "llm":
        from assistant.engines.llm import LLMEngine

        return LLMEngine(settings)
    raise ConfigError(f"unknown engine {name!r}; known engines: {', '.join(ENGINE_NAMES)}")


def sub_queries(q: Question, doc_freq) -> list[str]:
    """Extra BM25 queries for a yes/no question: its names alone, and, for a rule question, the known names that
    are not model numbers with the rule's words ("Huawei Ascend violation"): the rule and the fact that ties the
    entity to it rarely share words (FINDINGS.md)."""
    if q.kind != "yes_no" or not q.names:
        return []
    out = [" ".join(q.names)]
    if q.judgment:
        general = [n for n in q.names if not any(c.isdigit() for c in n) and doc_freq(stem(n.lower())) > 0]
        out.append(" ".join(general + [m.group(0) for m in JUDGMENT.finditer(q.text)]))
    return out


class Assistant:
    """An opened index with its embedder, retriever, evidence cache and engines; one per settings per process."""

    def __init__(self, settings: AssistantSettings):
        from ingest.embed import make_embedder
        from ingest.index import open_index

        self.settings = settings
        self.index = open_index(settings)
        self.embedder = make_embedder(settings.embed)
        self.engines: dict[str, object] = {}
        self._open()

    def _open(self) -> None:
        self.corpus_version = self.index.corpus_version
        self.index.__dict__.pop("lexical", None)
        self.retriever = Retriever(self.index, self.settings)
        self.vocabulary = Vocabulary(self.index.lexical, self.retriever.docs)
        self.evidence = Evidence(self.embedder, self.index.lexical, self.settings.answer.embed_chunks)

    def refresh(self) -> None:
        """Reopen the lexical index and document table when an ingest has changed the corpus."""
        if self.index.corpus_version != self.corpus_version:
            self._open()

    def engine(self, name: str):
        if name not in self.engines:
            self.engines[name] = make_engine(name, self.settings)
        return self.engines[name]

    def context(self, question: str, history: list[Turn], filters: Filters | None) -> Context:
        q = analyze(question, history)
        queries = [q.search, *sub_queries(q, self.index.lexical.doc_freq)]
        qvec = self.embedder.encode([q.search], query=True)[0]
        hits = self.retriever.search(qvec, queries, filters)
        units, vectors, ignored = self.evidence.rank(q, qvec, hits)
        return Context(q, units, vectors, ignored=ignored, hits=hits)

    def ask(self, question: str, history: list[Turn] | None = None, engine: str | None = None,
            filters: Filters | None = None, on_token: Callable[[str], None] | None = None) -> Answer:
        t0 = time.perf_counter()
        name = engine or self.settings.answer.engine
        eng = self.engine(name)
        self.refresh()
        ctx = self.context(question, history or [], filters)
        verdict = decide(ctx.question, ctx.units, self.vocabulary.known, self.evidence.idf,
                         self.settings.answer.min_relevance)
        ctx.unknown = verdict.unknown
        t1 = time.perf_counter()
        warnings: list[str] = ["instructions inside the question were ignored"] if ctx.question.instructions else []
        if ctx.ignored:
            warnings.append(f"{ctx.ignored} passage sentence(s) that try to instruct the assistant were ignored")
        if verdict.abstain:
            return self._abstained(ctx, name, verdict.reason, warnings, t0, t1)
        fell_back = False
        try:
            draft: Draft = eng.draft(ctx, on_token)
        except LLMUnavailableError as exc:  # a backend down or past its deadline: the extractive answer, and say so
            if name == "extractive":
                raise
            warnings.append(f"the {name} engine is unavailable ({exc}); showing the extractive answer instead")
            draft, fell_back = self.engine("extractive").draft(ctx), True
        warnings += draft.warnings
        if draft.abstained:
            return self._abstained(ctx, name, "the engine found no answer in the passages", warnings, t0, t1)
        checked = verify(draft.text, draft.passages, self.settings.answer.support_threshold, draft.trusted)
        warnings += checked.warnings
        failed = not checked.kept or checked.dropped > checked.kept  # "CGTN [1]" states nothing
        if name != "extractive" and not fell_back and failed:
            warnings.append(f"the {name} answer failed verification ({checked.dropped} unsupported sentence(s)); "
                            "showing the extractive answer instead")
            draft = self.engine("extractive").draft(ctx)
            checked = verify(draft.text, draft.passages, self.settings.answer.support_threshold, draft.trusted)
        if not checked.citations:
            return self._abstained(ctx, name, "no sentence of the draft survived verification", warnings, t0, t1)
        t2 = time.perf_counter()
        return Answer(answer=checked.text, citations=tuple(checked.citations), abstained=False, engine=name,
                      corpus_version=self.corpus_version, settings_hash=self.settings.settings_hash,
                      request_id=uuid.uuid4().hex[:16], warnings=tuple(warnings),
                      timings_ms={"retrieve": (t1 - t0) * 1e3, "answer": (t2 - t1) * 1e3, "total": (t2 - t0) * 1e3})

    def _abstained(self, ctx: Context, engine: str, reason: str, warnings: list[str], t0: float, t1: float) -> Answer:
        related = [u for u in ctx.units[:3] if u.relevance >= 0.5 * self.settings.answer.min_relevance]
        text = ABSTAIN
        if ctx.unknown and not ctx.question.instructions:
            text += f" They never mention {', '.join(ctx.unknown[:3])}."
        if related:
            text += " The closest passages are listed as related; they do not answer it."
        cites = tuple(cite(i + 1, Passage(i + 1, u.hit, u.start, u.end, u.text), u.start, u.end, u.relevance)
                      for i, u in enumerate(related))
        t2 = time.perf_counter()
        return Answer(answer=text, citations=cites, abstained=True, engine=engine,
                      corpus_version=self.corpus_version, settings_hash=self.settings.settings_hash,
                      request_id=uuid.uuid4().hex[:16], warnings=(*warnings, f"abstained: {reason}"),
                      timings_ms={"retrieve": (t1 - t0) * 1e3, "answer": (t2 - t1) * 1e3, "total": (t2 - t0) * 1e3})


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
    if engine is not None and engine not in ENGINE_NAMES:
        raise ConfigError(f"unknown engine {engine!r}; known engines: {', '.join(ENGINE_NAMES)}")
    return get_assistant(settings).ask(question.strip(), turns(history), engine, Filters.parse(filters), on_token)
