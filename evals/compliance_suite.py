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
from evals.suite import Corpus, Suite, interleave_kinds, loading

DATA = Path(__file__).parent / "compliance"
DOCS = DATA / "docs"
CASES = DATA / "cases.jsonl"
NAME = "compliance_docs"
# The kinds of issue 14, one per failure family (README.md in evals/compliance says which documents each uses).
KINDS = ("identifier", "non_ascii", "rule_value", "when", "conflict", "record", "planted", "pdf", "code",
         "long_title", "format")


def load(limit: int | None = None, path: Path = CASES) -> list[Case]:
    """The cases in file order; with a limit, the kinds in turn (`interleave_kinds`). ValueError names a bad line."""
    return interleave_kinds(load_cases(path, KINDS, frozenset()), limit)


def cases(limit: int | None = None) -> list[Case]:
    """`load(limit)`; ConfigError when the cases cannot be read."""
    with loading(f"cannot load the compliance_docs cases ({CASES})"):
        return load(limit)


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


def summarize(rows: list[dict]) -> dict:
    """The golden metrics (`evals.golden_suite.summarize`) and `by_kind`."""
    return golden_suite.summarize(rows) | {"by_kind": by_kind(rows)}


SUITES = [Suite(NAME, "18 compliance documents of issue 14's kinds (PDF, .docx, Windows-1252, French, identifiers, "
                "planted instructions) and 91 questions, in its own index", cases, (golden_suite.answer_facts,),
                summarize, corpus=Corpus(lambda: [DOCS], accept=(0, 1), report_skipped=True), order=20,
                not_for={"baseline": "the LlamaIndex baseline is not run on compliance_docs (not built for it; its "
                         ".docx memo needs llama-index-readers-file)"}, sample="its kinds in turn")]
