"""ingest.dedupe: candidate pairs by chunk cosine, sentence coverage, identifiers, same-claim agreement, the
directed links found both ways, and the also-in clusters."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.dedupe import DEDUPE_VERSION, also_in, candidates, coverage, links, same_claim
from kernel.settings import DedupeSettings
from kernel.tokens import claim_markers, identifiers
from tests.fakes import HashEmbedder

ENCODE = HashEmbedder().encode
SETTINGS = DedupeSettings()


class FakeStore:
    """`query(embeddings, k)` -> per row, [(chunk_id, cosine)], as the Chroma store answers."""

    def __init__(self, answers):
        self.answers, self.calls = answers, []

    def query(self, embeddings, k):
        self.calls.append((len(embeddings), k))
        return self.answers


def test_version_is_a_string():
    assert isinstance(DEDUPE_VERSION, str) and DEDUPE_VERSION


# --- candidates --------------------------------------------------------------------------------------------------

def test_candidates_are_other_documents_chunks_at_the_floor_or_above():
    doc_of = {"a1": "A", "a2": "A", "b1": "B", "c1": "C"}
    store = FakeStore([[("a1", 1.0), ("a2", 0.95), ("b1", 0.8), ("c1", 0.69), ("gone", 0.99)]])
    got = candidates(["a1"], np.zeros((1, 4)), doc_of, store, floor=0.8, k=5)
    assert got == [("a1", "b1")]     # same document, under the floor and unknown chunks are left out
    assert store.calls == [(1, 5)]


def test_no_ids_no_query():
    store = FakeStore([])
    assert candidates([], np.zeros((0, 4)), {}, store, floor=0.5) == []
    assert store.calls == []


# --- coverage ----------------------------------------------------------------------------------------------------

def test_coverage_is_the_length_weighted_share_of_matched_sentences():
    a = np.eye(3, dtype=np.float32)
    b = np.eye(3, dtype=np.float32)[:1]          # B has only A's first sentence
    wa = np.array([10, 30, 60], dtype=np.float32)
    assert coverage(a, wa, b, 0.85) == pytest.approx(0.1)
    assert coverage(a, wa, np.eye(3, dtype=np.float32), 0.85) == pytest.approx(1.0)


def test_coverage_threshold_is_inclusive_and_agree_masks_pairs():
    a = np.array([[1.0, 0.0]], dtype=np.float32)
    b = np.array([[0.85, np.sqrt(1 - 0.85 ** 2)]], dtype=np.float32)
    w = np.array([5.0], dtype=np.float32)
    assert coverage(a, w, b, 0.85 - 1e-6) == 1.0
    assert coverage(a, w, b, 0.85 - 1e-6, agree=np.array([[False]])) == 0.0


def test_coverage_of_nothing_is_zero():
    empty = np.zeros((0, 2), dtype=np.float32)
    one = np.ones((1, 2), dtype=np.float32)
    assert coverage(empty, np.zeros(0), one, 0.5) == 0.0
    assert coverage(one, np.ones(1), empty, 0.5) == 0.0


# --- identifiers and claims --------------------------------------------------------------------------------------

def test_identifiers_keep_mixed_tokens_not_plain_numbers():
    ids = identifiers("Licence EL-2025-0001 for ECCN 3A090.a, the 910D, 1,000 units, $2.50, in 2025, 44.5%.")
    assert ids == frozenset({"el-2025-0001", "3a090.a", "910d"})


def test_a_section_number_is_an_identifier_as_documented():
    assert "744.23" in identifiers("Exports under § 744.23 need a licence.")


@pytest.mark.parametrize(("text", "expected"), [
    ("Paragraph (a)(4) of § 744.23 requires a license.", {"744.23", "(a)(4)"}),
    ("See 744.23(a)(4) and section 740.2.", {"744.23(a)(4)", "740.2"}),
    ("Country Group D:5 is listed in Supplement No. 1 to part 740.", {"d:5"}),
    ("The runbook sets MATCH_THRESHOLD=0.82 and SCREEN_MODE=strict.", {"match_threshold", "0.82", "screen_mode"}),
    ("HS code 8542.31 and CAS 7440-21-3 apply.", {"8542.31", "7440-21-3"}),
    ("The fee rose from $2.50 to USD 3.20, up 44.5% (2.6 million units).", set()),
    ("Under 744.23 the fee is $744.23.", {"744.23"}),  # one of its two occurrences is not an amount
    ("The U.S. and Shenzhen-based firms met in 2025 over 10,000 units.", set()),
])
def test_identifiers_with_dots_colons_hyphens_and_underscores_are_kept(text, expected):
    assert identifiers(text) == frozenset(expected)


def test_two_sections_of_one_part_are_not_copies_of_each_other():
    """The identifier gate of `links`: chunks under § 744.21 and § 744.23 with the same body are never syndicated
    copies (sentence by sentence only their headings differ; without the gate the body alone links them)."""
    body = ("Exporters must obtain a licence before any shipment to a listed end user. The licence application names "
            "the end user, the quantity and the value of every item. Reviews take up to thirty working days.")
    texts = {"a": f"§ 744.21 Licence rules.\n{body}", "b": f"§ 744.23 Licence rules.\n{body}", "c": body}

    def encode(sents):  # every sentence alike: only the claims and the identifiers keep chunks apart
        return np.full((len(sents), 4), 0.5, dtype=np.float32)

    assert links([("a", "b")], texts, encode, SETTINGS) == []
    assert {(a, b) for a, b, _ in links([("a", "c")], texts, encode, SETTINGS)} == {("a", "c"), ("c", "a")}


def test_identifiers_of_plain_text_are_none():
    assert identifiers("") == frozenset() and identifiers("Böhm met them in Liège") == frozenset()


def test_same_claim_matrix_shape_and_agreement():
    texts_a = ["The chips violate export controls.", "The fine was $50,000."]
    texts_b = ["The chips may violate export controls.", "The chips do not violate export controls.",
               "The chips violate export controls (May 13).", "The fine was $10,000.", "The fine was $50,000 in 2024."]
    m = same_claim([claim_markers(t) for t in texts_a], [claim_markers(t) for t in texts_b])
    assert m.shape == (2, 5) and m.dtype == bool
    # only the markers count, not the wording: a sentence without figures agrees with any unhedged, unnegated one
    assert m[0].tolist() == [False, False, True, True, True]     # hedge, negation differ; "May 13" adds a figure
    assert m[1].tolist() == [False, False, False, False, True]   # $10,000 changes the figure; 2024 only adds one


def test_same_claim_with_no_sentences_is_an_empty_matrix():
    assert same_claim([], [claim_markers("x")]).shape == (0, 1)
    assert same_claim([claim_markers("x")], []).shape == (1, 0)


# --- links and clusters ------------------------------------------------------------------------------------------

STORY = "Huawei plans to ship Ascend chips this year. The US says using them violates export controls."


def test_a_copy_is_linked_both_ways_with_its_coverage():
    texts = {"a": STORY, "b": STORY + " Analysts expect strong demand in China next quarter."}
    got = {(x, y): c for x, y, c in links([("a", "b")], texts, ENCODE, SETTINGS)}
    assert set(got) == {("a", "b"), ("b", "a")}
    assert got[("a", "b")] == 1.0                      # all of a is in b
    assert SETTINGS.coverage <= got[("b", "a")] < 1.0  # most of b is in a, rounded to 4 places
    assert got[("b", "a")] == round(got[("b", "a")], 4)


def test_a_chunk_half_carried_is_linked_one_way_only():
    texts = {"a": STORY, "b": STORY + " Analysts expect strong demand in China next quarter and beyond that too, "
                                     "with several new data centres opening in Shenzhen and Shanghai."}
    got = {(x, y): c for x, y, c in links([("a", "b")], texts, ENCODE, SETTINGS)}
    assert got[("a", "b")] == 1.0
    assert ("b", "a") not in got  # under half of b's text is in a


def test_a_hedged_copy_is_not_the_same_claim():
    texts = {"a": STORY, "b": STORY.replace("violates", "may violate").replace("plans to", "might")}
    assert links([("a", "b")], texts, ENCODE, SETTINGS) == []


def test_records_from_one_template_are_never_copies():
    rec = "Licence {} was issued to Kestrel Microsystems for Ascend chips. It expires at the end of the year."
    texts = {"a": rec.format("EL-2025-0001"), "b": rec.format("EL-2025-0002")}
    assert links([("a", "b")], texts, ENCODE, SETTINGS) == []


def test_another_identifier_outside_the_matched_sentences_still_parts_two_chunks():
    """The chunk-level identifier gate: most of the text agrees, only a short reference line differs."""
    body = ("Huawei plans to ship Ascend chips to customers across China and Southeast Asia this year, "
            "the company said in a statement.")
    texts = {"a": body + " Reference EL-2025-0001.", "b": body + " Reference EL-2025-0002."}
    assert links([("a", "b")], texts, ENCODE, SETTINGS) == []
    same = {"a": texts["a"], "b": body + " Reference EL-2025-0001."}
    assert {(x, y) for x, y, _ in links([("a", "b")], same, ENCODE, SETTINGS)} == {("a", "b"), ("b", "a")}


def test_no_pairs_no_links_and_no_encoding():
    called = []
    assert links([], {}, lambda xs: called.append(xs), SETTINGS) == []
    assert called == []


def test_also_in_clusters_by_the_smallest_mutual_id():
    doc_of = {"a": "DA", "b": "DB", "c": "DC"}
    pairs = [("b", "a", 1.0), ("a", "b", 0.9), ("c", "a", 0.7), ("x", "a", 1.0)]  # x is not in the index
    got = also_in(pairs, doc_of)
    assert got["a"] == ("a", ["DB"])
    assert got["b"] == ("a", ["DA"])           # a and b carry each other: one cluster
    assert got["c"] == ("c", ["DA"])           # carried one way only: its own cluster
    assert "x" not in got


def test_also_in_names_each_document_once_sorted():
    doc_of = {"a": "DZ", "b1": "DB", "b2": "DB", "c": "DA"}
    got = also_in([("a", "b1", 1.0), ("a", "b2", 1.0), ("a", "c", 1.0)], doc_of)
    assert got["a"] == ("a", ["DA", "DB"])
    assert also_in([], doc_of) == {}
