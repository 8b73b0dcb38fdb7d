"""The compliance_file suite: one company's compliance file on Huawei Ascend accelerators and 3A090 items, whose
documents say different things over time (a memo, a circular that amends it from 1 July 2026, a licence record, an
end-user certificate, an email thread that records decisions and a change of who grants exceptions, a classification
record with a correction entry, board minutes with a rejected proposal, an approval with conditions and a refusal, an
EAR training excerpt, a German directive, a shipment register and a screening log as tables, a licence amendment, a
determination and a licence exception memo as .docx, a screening procedure, an audit finding list) and 79 questions
over them, in `evals/compliance_file/` (README.md there).

The documents and most questions come from the newcomer trial of stop 24 (helper 48); the answers this stop built
were fixed on those same questions, so this suite is a regression check of that work, not a held-out measure. Cases
use the golden schema (`evals.cases`) and are scored by `evals.golden_suite.score_case`, so every golden metric means
the same here; the bottom line (`first_sentence`) matters most. Its own index lives under
`<home>/suites/compliance_file`.
"""

from __future__ import annotations

from pathlib import Path

from evals import golden_suite
from evals.cases import Case, load_cases
from evals.compliance_suite import by_kind
from evals.suite import Corpus, Suite, interleave_kinds, loading

DATA = Path(__file__).parent / "compliance_file"
DOCS = DATA / "docs"
CASES = DATA / "cases.jsonl"
NAME = "compliance_file"
KINDS = ("correction", "amendment", "minutes", "record", "table", "staff", "membership", "multilingual", "unanswerable",
         "decision", "threshold")


def load(limit: int | None = None, path: Path = CASES) -> list[Case]:
    """The cases in file order; with a limit, the kinds in turn (`interleave_kinds`). ValueError names a bad line."""
    return interleave_kinds(load_cases(path, KINDS, frozenset()), limit)


def cases(limit: int | None = None) -> list[Case]:
    """`load(limit)`; ConfigError when the cases cannot be read."""
    with loading(f"cannot load the compliance_file cases ({CASES})"):
        return load(limit)


def summarize(rows: list[dict]) -> dict:
    """The golden metrics (`evals.golden_suite.summarize`) and the per-kind breakdown of compliance_docs."""
    return golden_suite.summarize(rows) | {"by_kind": by_kind(rows)}


SUITES = [Suite(NAME, "one company's compliance file whose documents change over time (amendments, a corrected "
                "classification, minutes' decisions, tables, a determination) and 79 questions, in its own index", cases,
                (golden_suite.answer_facts,), summarize, corpus=Corpus(lambda: [DOCS], accept=(0, 1)), order=25,
                not_for={"baseline": "the LlamaIndex baseline is not run on compliance_file (not built for it)"},
                sample="its kinds in turn")]
