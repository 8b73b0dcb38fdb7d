"""ClapNQ scoring, with a fake system: retrieval against gold passages, abstention both ways, citation precision."""

from __future__ import annotations

import pytest

from evals.clapnq_suite import SUITES, interleaved, passage_ranking, plain, summarize
from evals.suite import Output

QUESTIONS = [
    {"id": "a1", "question": "who wrote hamlet", "answerable": True, "gold_passage_ids": ["p1"],
     "reference_answers": ["William Shakespeare wrote Hamlet"]},
    {"id": "u1", "question": "who wrote the lost play", "answerable": False, "gold_passage_ids": []},
    {"id": "a2", "question": "when was hamlet first performed", "answerable": True, "gold_passage_ids": ["p2"],
     "reference_answers": ["around 1600"]},
]


def fake_ask(question: str) -> dict:
    if "lost" in question:
        return {"answer": "The documents do not say.", "abstained": True, "citations": []}
    if "wrote" in question:  # two citations, one of the gold passage
        return {"answer": "- “William Shakespeare wrote Hamlet.” [1] (Wiki, 2020-01-01)\n- Other [2]",
                "abstained": False, "citations": [{"doc_id": "p1"}, {"doc_id": "p9"}]}
    return {"answer": "The documents do not say.", "abstained": True, "citations": []}  # a false abstention


def fake_rank(question: str) -> list:
    return [("p1", "p1-copy"), "p2", "p1"] if "wrote" in question else ["p3", ("p2",)]


def test_score_measures_retrieval_abstention_and_citation_precision():
    suite = SUITES[0]
    rows = [suite.score(q, Output(fake_ask(q["question"]), fake_rank(q["question"]), 5.0, lambda d: None))
            for q in QUESTIONS]
    summary = summarize(rows)
    assert rows[0]["ranked"] == ["p1", "p2"] and rows[2]["ranked"] == ["p3", "p2"]
    assert [r["id"] for r in rows] == ["a1", "u1", "a2"]
    assert summary["hit@1"] == 0.5 and summary["hit@5"] == 1.0 and summary["mrr"] == pytest.approx(0.75)
    assert summary["citation_precision"] == 0.5  # p1 of p1, p9
    assert summary["correct_abstention"] == 1.0 and summary["false_abstention"] == 0.5
    assert rows[0]["correct"] and rows[0]["f1"] > 0.8 and not rows[2]["correct"]


def test_passage_ranking_reads_each_item_as_its_own_id_once():
    assert passage_ranking([("a", "gold-copy"), "b", ("a",), "c"]) == ["a", "b", "c"]


def test_plain_strips_markers_tags_and_quotes():
    assert plain("- “William Shakespeare wrote Hamlet.” [1] (Wiki, 2020-01-01)") == "William Shakespeare wrote Hamlet. "


def test_interleaved_alternates_answerable_and_not():
    qs = [{"answerable": True, "id": i} for i in range(3)] + [{"answerable": False, "id": 9}]
    assert [q["id"] for q in interleaved(qs)] == [0, 9, 1, 2]
