"""The compliance_docs suite: 18 small compliance documents of the kinds issue 14 lists (regulation excerpts, an ECCN
table, licence records from one template, two editions of one guidance, a two-column PDF bulletin, a Markdown
runbook, a French notice, an entity list with accented and non-Latin names, planted instructions, a Windows-1252
memo, a .docx memo, a 282-word title) and 91 questions over them, in `evals/compliance/` (README.md there).

The cases use the golden schema (`evals.cases`) with this suite's kinds; they are scored by
`evals.golden_suite.score_case`, so every golden metric means the same here, plus `warning_recall` (planted
instructions must be warned about, naming the document) and `page_accuracy` (a PDF quote must carry its own page).
The suite ingests `evals/compliance/docs` into its own index under `<home>/suites/compliance_docs`; files the
ingest cannot read yet are skipped, named in the summary (`documents_skipped`), and their questions fail.
"""

from __future__ import annotations

from pathlib import Path

from evals import golden_suite
from evals.cases import Case, load_cases

DATA = Path(__file__).parent / "compliance"
DOCS = DATA / "docs"
CASES = DATA / "cases.jsonl"
NAME = "compliance_docs"
# The kinds of issue 14, one per failure family (README.md in evals/compliance says which documents each uses).
KINDS = ("identifier", "non_ascii", "rule_value", "when", "conflict", "record", "planted", "pdf", "code",
         "long_title", "format")


def load(limit: int | None = None, path: Path = CASES) -> list[Case]:
    """The cases in file order; with a limit, a sample that takes the kinds in turn (the same limit, the same
    cases). ValueError names a bad line."""
    cases = load_cases(path, KINDS, frozenset())
    if limit is None or limit >= len(cases):
        return cases
    by_kind: dict[str, list[int]] = {}
    for i, case in enumerate(cases):
        by_kind.setdefault(case.kind, []).append(i)
    picked: list[int] = []
    for turn in range(len(cases)):
        picked += [ix[turn] for ix in by_kind.values() if turn < len(ix)]
        if len(picked) >= limit:
            break
    return [cases[i] for i in sorted(picked[:limit])]


def suite_settings(settings):
    """The same settings with their own home under `<home>/suites/compliance_docs`."""
    return settings.model_copy(update={"home": settings.home / "suites" / NAME})


def build(settings, docs: Path = DOCS) -> list[dict]:
    """Ingest the documents into the suite's own index (incremental); the files skipped, as
    `[{"file", "reason"}]`. RuntimeError when the ingest fails for another reason than skipped files."""
    from ingest.pipeline import run

    report = run([docs], settings)
    if report.exit_code not in (0, 1):
        raise RuntimeError(f"ingesting {docs} failed: {report}")
    return [{"file": s.source, "reason": s.reason} for s in report.skipped]


def by_kind(rows: list[dict]) -> dict[str, dict]:
    """Per kind: cases, answerable, correct (answered answerable cases that met every criterion), accuracy
    (correct answers and correct abstentions over all cases), key-fact recall, correct and false abstention."""
    out: dict[str, dict] = {}
    for kind in dict.fromkeys(r["kind"] for r in rows):
        sub = [r for r in rows if r["kind"] == kind]
        summary = golden_suite.summarize(sub)
        out[kind] = {"cases": len(sub), "answerable": sum(r["answerable"] for r in sub),
                     "correct": sum(bool(r["correct"]) for r in sub),
                     **{k: summary.get(k) for k in ("accuracy", "key_fact_recall", "correct_abstention",
                                                    "false_abstention", "bottom_line", "warning_recall",
                                                    "page_accuracy")}}
    return out


def run(settings, engine: str = "extractive", limit: int | None = None, progress=None,
        docs: Path = DOCS, cases: list[Case] | None = None) -> tuple[list[dict], dict]:
    """The product in process over the suite's own index: (rows, summary); the summary holds the golden metrics,
    `by_kind` and `documents_skipped`."""
    from assistant.answer import answer, get_assistant
    from ingest.errors import NotFoundError

    s = suite_settings(settings)
    skipped = build(s, docs)
    index = get_assistant(s).index

    def doc_text(doc_id: str) -> str | None:
        try:
            return index.document(doc_id)["text"]
        except NotFoundError:
            return None

    rows, summary = golden_suite.run(lambda q, h: answer(q, h, engine, settings=s).as_dict(), doc_text,
                                     cases if cases is not None else load(limit), progress)
    summary["by_kind"] = by_kind(rows)
    summary["documents_skipped"] = skipped
    return rows, summary
