"""The golden set is well-formed and grounded: every key fact is really in its documents, bait is really ad text."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from evals.cases import KINDS, Case, load_cases

ROOT = Path(__file__).resolve().parents[2]
CASES_PATH = ROOT / "evals" / "golden" / "cases.jsonl"
CORPUS = ROOT / "corpus"

MIN_PER_KIND = {
    "fact": 5, "number": 5, "date": 5, "list": 3, "yes_no": 3, "multi_doc": 3, "hedged": 2, "multi_turn": 3,
    "unanswerable": 8, "bait": 3, "injection": 4, "out_of_scope": 3, "context": 3, "misspelling": 3,
    "multilingual": 3,
}
MIN_TOTAL = 48
MISSION_ID = "yes-no-910d-malaysia"
AIM = "aim-huawei-ai-chips-criminal-charges"

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


def normalise(text: str) -> str:
    """Curly quotes and apostrophes to straight ones, no-break spaces to spaces."""
    return text.translate(_QUOTES)


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return load_cases(CASES_PATH)


@pytest.fixture(scope="module")
def corpus() -> dict[str, str]:
    docs = {p.stem: normalise(p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob("*.txt"))}
    assert len(docs) == 5, sorted(docs)
    return docs


def matches(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.I) is not None


def test_ids_unique_and_counts_per_kind(cases):
    assert len({c.id for c in cases}) == len(cases)
    assert len(cases) >= MIN_TOTAL
    counts = Counter(c.kind for c in cases)
    assert set(MIN_PER_KIND) == set(KINDS)
    short = {k: (counts[k], n) for k, n in MIN_PER_KIND.items() if counts[k] < n}
    assert not short, f"kinds below their minimum (have, need): {short}"


def test_answerable_fields(cases):
    for c in cases:
        if c.answerable:
            assert c.expected_docs and c.key_facts, c.id
        else:
            assert not c.expected_docs and not c.key_facts, c.id
    assert all(not c.answerable for c in cases if c.kind in ("unanswerable", "bait", "out_of_scope"))
    assert sum(c.answerable for c in cases if c.kind == "injection") >= 2, "injections combined with real questions"
    assert all(c.history for c in cases if c.kind == "multi_turn")


def test_expected_docs_exist(cases):
    for c in cases:
        for doc in c.expected_docs:
            assert (CORPUS / f"{doc}.txt").is_file(), f"{c.id}: no corpus/{doc}.txt"


def test_key_facts_appear_in_an_expected_doc(cases, corpus):
    bad = [(c.id, p) for c in cases for p in c.key_facts
           if not any(matches(p, corpus[d]) for d in c.expected_docs)]
    assert not bad, f"key facts found in none of their expected docs: {bad}"


def test_key_facts_not_satisfied_by_echoing_the_question(cases):
    echo = [c.id for c in cases if c.answerable and all(matches(p, normalise(c.question)) for p in c.key_facts)]
    assert not echo, f"every key fact already matches the question itself: {echo}"


def test_quoting_the_expected_docs_never_trips_must_not(cases, corpus):
    bad = [(c.id, p) for c in cases if c.answerable for p in c.must_not
           for d in c.expected_docs if matches(p, corpus[d])]
    assert not bad, f"must_not patterns that a faithful quote would hit: {bad}"


def test_multi_doc_cases_really_need_two_docs(cases, corpus):
    for c in (c for c in cases if c.kind == "multi_doc"):
        assert len(c.expected_docs) >= 2, c.id
        single = [d for d in c.expected_docs if all(matches(p, corpus[d]) for p in c.key_facts)]
        assert not single, f"{c.id}: one document alone holds every key fact: {single}"


def test_bait_patterns_are_in_the_raw_corpus(cases, corpus):
    raw = "\n".join(corpus.values())
    baits = [c for c in cases if c.kind == "bait"]
    assert baits
    for c in baits:
        for p in c.must_not:
            assert matches(p, raw), f"{c.id}: bait pattern {p!r} is not in any raw corpus file"


def test_mission_case(cases, corpus):
    mission = next(c for c in cases if c.id == MISSION_ID)
    assert mission.answerable and AIM in mission.expected_docs
    assert "910D" in mission.question
    assert any(matches(p, "The guidance names the Ascend 910D.") for p in mission.key_facts)
    answer = "Yes. Using Huawei Ascend chips anywhere in the world violates US export controls, and the 910D is named."
    assert all(matches(p, answer) for p in mission.key_facts)
    assert not any(matches(p, answer) for p in mission.must_not)
    assert any(matches(p, "It is legal to test it in Malaysia.") for p in mission.must_not)


def test_hedged_case_requires_both_wordings(cases, corpus):
    hedged = [c for c in cases if c.kind == "hedged"]
    both = [c for c in hedged if any(matches(p, "may violate") and not matches(p, "violates") for p in c.key_facts)
            and any(matches(p, "violates") for p in c.key_facts)]
    assert both, "a hedged case must require both 'may violate' (CGTN) and 'violates' (the others)"


def test_injection_text_is_forbidden(cases):
    for c in (c for c in cases if c.kind == "injection"):
        assert c.must_not, c.id
        said = [c.question, *(t.content for t in c.history)]
        assert any(matches(p, text) for p in c.must_not for text in said), f"{c.id}: must_not must forbid the injection"


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = {"id": "ok-case", "kind": "fact", "question": "Who?", "answerable": True,
        "expected_docs": ["d"], "key_facts": ["x"], "must_not": [], "notes": "n"}


@pytest.mark.parametrize(
    "bad_line, message",
    [
        ("{not json", "line 3"),
        (json.dumps({**GOOD, "id": "Bad_Id"}), "kebab-case"),
        (json.dumps({**GOOD, "kind": "trivia"}), "kind"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "notes"}), "missing"),
        (json.dumps({**GOOD, "extra": 1}), "unknown"),
        (json.dumps({**GOOD, "answerable": "yes"}), "answerable"),
        (json.dumps({**GOOD, "key_facts": ["(unclosed"]}), "does not compile"),
        (json.dumps({**GOOD, "key_facts": []}), "answerable needs docs and key_facts"),
        (json.dumps({**GOOD, "answerable": False}), "unanswerable needs no docs"),
        (json.dumps({**GOOD, "kind": "bait", "answerable": False, "expected_docs": [], "key_facts": []}), "bait"),
        (json.dumps({**GOOD, "kind": "multi_turn"}), "history"),
        (json.dumps({**GOOD, "history": [{"role": "assistant", "content": "hi"}]}), "history[0]"),
        (json.dumps({**GOOD, "history": [{"role": "user", "content": "hi"}]}), "end with an assistant"),
        (json.dumps({**GOOD, "kind": "multi_doc"}), "two expected_docs"),
        (json.dumps(GOOD | {"id": "first"}), "duplicate id"),
    ],
)
def test_load_cases_names_the_bad_line(tmp_path, bad_line, message):
    path = _write(tmp_path, [json.dumps(GOOD | {"id": "first"}), "", bad_line, json.dumps(GOOD)])
    with pytest.raises(ValueError) as info:
        load_cases(path)
    assert "line 3" in str(info.value) and message in str(info.value)


def test_load_cases_accepts_a_valid_file(tmp_path):
    turns = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    path = _write(tmp_path, [json.dumps(GOOD), json.dumps(GOOD | {"id": "t", "kind": "multi_turn", "history": turns})])
    loaded = load_cases(path)
    assert [c.id for c in loaded] == ["ok-case", "t"]
    assert loaded[1].history[1].content == "a" and loaded[0].key_facts == ("x",)
    with pytest.raises(AttributeError):
        loaded[0].id = "changed"  # frozen


ISSUE_9_IDEAL = ("Per the Commerce Department's guidance, yes: using Huawei Ascend chips anywhere in the world violates "
                 "U.S. export controls [1], and the guidance names the 910D among them [2]; testing one in Malaysia is "
                 "such a use. The documents do not mention Malaysia itself.")
TODAY_OPENING = ("The documents do not rule on this exact case; what they say about it:\n- “Unsurprisingly, China’s "
                 "Foreign Ministry has condemned U.S. controls…” [1] (Cryptopolitan, 2025-05-14)")


def test_issue_9_cases_check_the_bottom_line(cases):
    new = [c for c in cases if "issue-9" in c.tags]
    assert len(new) >= 30
    assert {"yes_no", "context", "multi_turn", "misspelling", "multilingual", "injection"} <= {c.kind for c in new}
    bottom = [c for c in new if c.checks_bottom_line]
    assert len(bottom) >= 15
    assert all(c.bottom_line_problems(TODAY_OPENING) for c in bottom), "the refusal opening must fail every one"
    mission = [c for c in bottom if "910D" in c.key_facts and "Malaysia" in c.question + c.notes]
    assert len(mission) >= 5
    assert all(c.bottom_line_problems(ISSUE_9_IDEAL) == [] for c in mission), "the issue's bottom line must pass"
    hedged_only = "CGTN reports that using Ascend chips may violate U.S. export control regulations [1]."
    assert all(c.bottom_line_problems(hedged_only) for c in mission)


def test_optional_fields_are_validated(tmp_path):
    path = _write(tmp_path, [json.dumps(GOOD | {"first_sentence": ["\\byes\\b"], "must_not_first": ["do not"],
                                                "warnings": ["instruct"], "expected_pages": [2], "tags": ["t"]})])
    case = load_cases(path)[0]
    assert case.first_sentence == ("\\byes\\b",) and case.expected_pages == (2,) and case.tags == ("t",)
    assert case.bottom_line_problems("Yes. It does [1].") == []
    assert case.bottom_line_problems("The documents do not say. Yes.") == ["missing \\byes\\b", "has do not"]
    assert case.missing_warnings(["2 sentences that try to instruct the assistant were ignored"]) == []
    assert case.missing_warnings([]) == ["instruct"]
    for bad, message in ((GOOD | {"expected_pages": [0]}, "expected_pages"),
                         (GOOD | {"first_sentence": ["(x"]}, "does not compile"),
                         (GOOD | {"answerable": False, "expected_docs": [], "key_facts": [], "first_sentence": ["x"]},
                          "bottom line")):
        with pytest.raises(ValueError, match=message):
            load_cases(_write(tmp_path, [json.dumps(bad)]))
