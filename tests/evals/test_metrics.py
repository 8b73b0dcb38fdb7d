"""The scoring functions the suites share: they must fail when the thing they measure is wrong."""

from __future__ import annotations

import pytest

from evals.cases import Case
from evals.golden_suite import score_case
from evals.metrics import (
    abstention,
    citation_validity,
    hit_at,
    mean,
    percentile,
    rank_means,
    rank_scores,
    rouge_l,
    token_f1,
)

DOC = "The guidance names the 910B, 910C and 910D. Using them anywhere violates export controls."


def answer(text, citations, abstained=False):
    return {"answer": text, "abstained": abstained, "citations": citations, "timings_ms": {"total": 1.0}}


def cite(n, quote, doc="d", also=()):
    start = DOC.find(quote)
    return {"id": n, "doc_id": doc, "quote": quote, "start": start, "end": start + len(quote), "also_in": list(also)}


def test_citation_validity_catches_misquotes_and_dangling_markers():
    good = cite(1, "The guidance names the 910B, 910C and 910D.")
    assert citation_validity(answer("x [1]", [good]), lambda d: DOC) == (1, 1, [])
    bad = {**good, "quote": "The guidance names the 910A."}
    valid, total, problems = citation_validity(answer("x [1] y [2]", [bad]), lambda d: DOC)
    assert (valid, total) == (0, 1) and any("[2]" in p for p in problems) and any("not verbatim" in p for p in problems)


def test_score_case_requires_facts_sources_and_no_forbidden_text():
    case = Case(id="c", kind="yes_no", question="q", answerable=True, expected_docs=("d",), key_facts=("910D", "violat"),
                must_not=(r"\blegal\b",), notes="n")
    ok = score_case(case, answer("… 910D … violates [1]", [cite(1, "Using them anywhere violates export controls.")]),
                    lambda d: DOC)
    assert ok["correct"] and ok["sources_ok"]
    wrong_doc = score_case(case, answer("910D violates [1]", [cite(1, "Using them anywhere violates export controls.",
                                                                       doc="other")]), lambda d: DOC)
    assert not wrong_doc["correct"]
    syndicated = score_case(case, answer("910D violates [1]", [cite(1, "Using them anywhere violates export controls.",
                                                                        doc="other", also=["d"])]), lambda d: DOC)
    assert syndicated["sources_ok"]
    forbidden = score_case(case, answer("910D violates; it is legal [1]", [cite(1, "Using them anywhere violates "
                                                                                   "export controls.")]), lambda d: DOC)
    assert not forbidden["correct"] and forbidden["violations"]


def test_abstention_metrics():
    rows = [{"answerable": False, "abstained": True, "correct": False},
            {"answerable": False, "abstained": False, "correct": False},
            {"answerable": True, "abstained": True, "correct": False},
            {"answerable": True, "abstained": False, "correct": True}]
    m = abstention(rows)
    assert m["correct_abstention"] == 0.5 and m["false_abstention"] == 0.5
    assert m["precision"] == 0.5 and m["accuracy"] == 0.5


def test_text_and_rank_metrics():
    assert token_f1("seventy thousand units", ["70,000 units"]) == pytest.approx(1 / 3)
    assert token_f1("nothing", ["other"]) == 0.0
    assert rouge_l("a b c d", ["a c d"]) == pytest.approx(2 * (3 / 4) * 1 / (3 / 4 + 1))
    assert rank_scores(["x", "g"], {"g"}) == {"hit1": 0.0, "hit5": 1.0, "rr": 0.5}
    assert rank_scores([("x", "copy"), ("y", "g")], {"g"})["rr"] == 0.5  # a syndicated copy counts as the document
    assert rank_scores(["a", "b", "c", "d", "e", "g"], {"g"}) == {"hit1": 0.0, "hit5": 0.0, "rr": 1 / 6}
    assert rank_scores([], {"g"}) == {"hit1": 0.0, "hit5": 0.0, "rr": 0.0}
    assert percentile([1, 2, 3, 4], 50) == 2.5 and percentile([], 95) is None
    assert mean([1.0, 0.0]) == 0.5 and mean([]) is None


def test_hit_at_and_rank_means_agree_with_rank_scores():
    ranked = [{"x"}, {"y", "g"}, {"z"}]  # a document with its copies, as multilingual_check ranks them
    assert [hit_at(ranked, {"g"}, k) for k in (1, 2, 3)] == [False, True, True] and not hit_at([], {"g"}, 5)
    rows = [rank_scores(["g"], {"g"}), rank_scores(["x", "g"], {"g"}), rank_scores(["x"], {"g"})]
    assert rank_means(rows) == {"hit@1": 1 / 3, "hit@5": 2 / 3, "mrr": 0.5}
    assert rank_means([]) == {"hit@1": None, "hit@5": None, "mrr": None}


def test_rouge_l_is_rouge_score_over_our_tokens():
    """rouge-score's LCS and F-measure over `tokens`: non-ASCII letters and case are kept as word characters."""
    assert rouge_l("Beyoncé sang", ["beyoncé sang it"]) == pytest.approx(2 * 1 * (2 / 3) / (1 + 2 / 3))
    assert rouge_l("Beyoncé", ["Beyonc"]) == 0.0  # its default tokenizer would read both as "beyonc"
    assert rouge_l("", ["a"]) == 0.0 and rouge_l("a", []) == 0.0
    assert rouge_l("a b", ["x", "a b"]) == 1.0  # the best reference


def test_percentile_is_numpys_linear_method():
    import numpy as np

    xs = [12.5, 3.0, 40.25, 7.75, 7.75, 101.0, 0.5]
    for q in (0, 5, 50, 90, 95, 100):
        assert percentile(xs, q) == pytest.approx(float(np.percentile(xs, q)))
    assert percentile(xs, 50) == 7.75 and percentile(xs, 100) == 101.0


def test_citation_precision_counts_citations_that_carry_a_key_fact_or_an_expected_source():
    from evals.golden_suite import summarize

    case = Case(id="c", kind="fact", question="q", answerable=True, expected_docs=("d",), key_facts=("910D",),
                must_not=(), notes="n")
    fact = cite(1, "The guidance names the 910B, 910C and 910D.", doc="elsewhere")
    rule = cite(2, "Using them anywhere violates export controls.", doc="d")
    stray = cite(3, "Using them anywhere violates export controls.", doc="elsewhere")
    row = score_case(case, answer("910D [1] [2] [3]", [fact, rule, stray]), lambda d: DOC)
    assert row["citations_precise"] == 2
    assert summarize([row])["citation_precision"] == pytest.approx(2 / 3)
