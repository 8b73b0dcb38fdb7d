"""Citation verification: markers that point nowhere, unsupported or altered claims, renumbering, verbatim quotes."""

from __future__ import annotations

from assistant.models import Hit
from assistant.verify import Passage, verify

DOC = ("Intro line.\nThe Commerce Department said the use of Ascend chips anywhere in the world violates export "
       "controls. Huawei plans to produce 70,000 Ascend 910C units. Another outlet said the use may violate the "
       "rules.")


def passage(n: int, sentence: str) -> Passage:
    start = DOC.index(sentence)
    hit = Hit(chunk_id=f"c{n}", doc_id="doc", text=DOC, start=0, end=len(DOC), score=1.0,
              meta={"title": "T", "publisher": "P", "published": "2025-05-14"})
    return Passage(n, hit, start, start + len(sentence), sentence)


RULE = passage(1, "The Commerce Department said the use of Ascend chips anywhere in the world violates export controls.")
UNITS = passage(2, "Huawei plans to produce 70,000 Ascend 910C units.")
HEDGE = passage(3, "Another outlet said the use may violate the rules.")


def run(text: str):
    return verify(text, [RULE, UNITS, HEDGE], threshold=0.6)


def test_supported_sentences_keep_their_citations_with_verbatim_offsets():
    out = run("Using Ascend chips anywhere in the world violates export controls [1]. Huawei plans 70,000 units [2].")
    assert [c.doc_id for c in out.citations] == ["doc", "doc"]
    for c in out.citations:
        assert DOC[c.start:c.end] == c.quote
    assert out.text.count("[1]") == 1 and out.text.count("[2]") == 1 and not out.warnings


def test_a_marker_that_points_at_no_passage_is_removed():
    out = run("Huawei plans to produce 70,000 Ascend 910C units [7].")
    assert "[7]" not in out.text and any("point at no passage" in w for w in out.warnings)
    assert out.citations and out.citations[0].quote == UNITS.text  # re-cited to the passage that supports it


def test_a_sentence_with_a_changed_number_is_dropped():
    out = run("Huawei plans to produce 500,000 Ascend 910C units [2].")
    assert out.citations == [] and out.dropped == 1 and "500,000" not in out.text


def test_a_negated_claim_is_not_supported_by_the_positive_passage():
    out = run("The use of Ascend chips anywhere in the world does not violate export controls [1].")
    assert out.citations == [] and out.dropped == 1


def test_firming_up_a_hedge_is_not_supported():
    out = run("Another outlet said the use violates the rules [3].")
    assert out.citations == []


def test_an_invented_uncited_sentence_is_dropped_and_a_supported_one_gets_its_citation():
    out = run("Paris is the capital of France and hosts the Louvre museum. Huawei plans to produce 70,000 Ascend 910C units.")
    assert "Paris" not in out.text and len(out.citations) == 1 and out.citations[0].quote == UNITS.text
    assert "[1]" in out.text


def test_citations_are_renumbered_in_order_of_appearance():
    out = run("Huawei plans to produce 70,000 Ascend 910C units [2]. The use of Ascend chips anywhere in the world "
              "violates export controls [1].")
    assert [c.id for c in out.citations] == [1, 2]
    assert out.citations[0].quote == UNITS.text and out.text.index("[1]") < out.text.index("[2]")


def test_trusted_lines_pass_unchanged():
    note = "The documents do not mention Malaysia specifically."
    out = verify(f"- “{UNITS.text}” [2] (P, 2025-05-14)\n{note}", [RULE, UNITS, HEDGE], 0.6, frozenset({note}))
    assert out.text.endswith(note) and "[1]" in out.text and "(P, 2025-05-14)" in out.text


def test_a_claim_naming_what_the_passage_never_names_is_dropped():
    out = run("Testing Ascend chips in Malaysia violates the export controls [1].")
    assert out.citations == [] and out.dropped == 1 and "Malaysia" not in out.text


def test_the_full_stop_after_a_marker_stays_with_its_sentence():
    out = run("Huawei plans to produce 70,000 Ascend 910C units [2]. Another outlet said the use may violate the rules [3].")
    assert " . " not in out.text and out.dropped == 0 and len(out.citations) == 2


def test_an_uncited_absence_claim_is_kept_only_when_the_passages_lack_it():
    true = run("The use of Ascend chips anywhere in the world violates export controls [1]. "
               "The passages do not mention Malaysia.")
    assert true.text.endswith("The passages do not mention Malaysia.") and true.dropped == 0
    false = run("The passages do not mention Huawei.")
    assert "Huawei" not in false.text and false.dropped == 1
    false_terms = run("The passages do not mention the use of Ascend chips.")
    assert false_terms.text == "" and false_terms.dropped == 1


TEXT = ("Huawei asked firms to test its new AI chip, the Ascend 910D, in China. The chip is expected to rival "
        "Nvidia's H100. The rule was issued on January 15, 2025, and was set to take effect on May 15, 2025. "
        "China's Foreign Ministry condemned the U.S. controls.")


def sentence_passage(n: int, sentence: str) -> Passage:
    start = TEXT.index(sentence)
    hit = Hit(chunk_id="k", doc_id="chunked", text=TEXT, start=0, end=len(TEXT), score=1.0, meta={"title": "T"})
    return Passage(n, hit, start, start + len(sentence), sentence)


def test_spelling_variants_of_names_and_dates_are_not_mistaken_for_new_claims():
    ministry = sentence_passage(1, "China's Foreign Ministry condemned the U.S. controls.")
    rule = sentence_passage(2, "The rule was issued on January 15, 2025, and was set to take effect on May 15, 2025.")
    out = verify("The Chinese Foreign Ministry condemned the US controls [1]. The rule was issued on January 15, "
                 "2025 [2].", [ministry, rule], 0.6)
    assert out.dropped == 0 and len(out.citations) == 2  # "US" = "U.S.", "Chinese" = "China", May 15 is a date
    assert verify("The Japanese ministry condemned the controls [1].", [ministry], 0.6).dropped == 1


def test_the_sentence_before_a_passage_can_complete_it_and_the_quote_stays_verbatim():
    chip = sentence_passage(1, "The chip is expected to rival Nvidia's H100.")
    out = verify("The Ascend 910D is expected to rival Nvidia's H100 [1].", [chip], 0.6)
    assert out.dropped == 0 and len(out.citations) == 1
    c = out.citations[0]
    assert TEXT[c.start:c.end] == c.quote and "Ascend 910D" in c.quote and c.quote.endswith("H100.")


def test_a_short_answer_is_kept_only_when_its_passage_states_it():
    out = run("70,000 Ascend 910C units [2].")
    assert out.kept == 1 and out.citations[0].quote == UNITS.text and "[1]" in out.text
    recited = run("Huawei [1].")  # not in the rule passage; the units passage names it
    assert recited.kept == 1 and recited.citations[0].quote == UNITS.text
    wrong = run("80,000 units [2]. Reuters [1].")
    assert wrong.kept == 0 and wrong.dropped == 2 and wrong.citations == []


def test_narrated_citations_cite_the_sentence_itself():
    out = run("The passage [2] states that Huawei plans to produce 70,000 Ascend 910C units.")
    assert out.text == "Huawei plans to produce 70,000 Ascend 910C units [1]." and out.dropped == 0
    assert out.citations[0].quote == UNITS.text


def test_ordinals_must_come_from_one_sentence():
    tiers = Passage(1, Hit(chunk_id="t", doc_id="tiers", text=TIERS, start=0, end=len(TIERS), score=1.0, meta={}),
                    0, len(TIERS), TIERS)
    assert verify("The second tier included 120 other countries [1].", [tiers], 0.6).dropped == 0
    swapped = verify("The first tier included 120 other countries [1].", [tiers], 0.6)
    assert swapped.dropped == 1 and swapped.citations == []


TIERS = ("The world was divided into three tiers. The first included seventeen countries and Taiwan. "
         "The second tier included 120 other countries.")


def test_a_verbatim_quote_of_several_sentences_is_one_citation_of_exactly_that_span():
    both = "The first included seventeen countries and Taiwan. The second tier included 120 other countries."
    tiers = Passage(1, Hit(chunk_id="t", doc_id="tiers", text=TIERS, start=0, end=len(TIERS), score=1.0, meta={}),
                    0, len(TIERS), TIERS)
    out = verify(f"- “{both}” [1] (P, 2025-05-14)", [tiers], 0.6)
    assert out.dropped == 0 and len(out.citations) == 1 and out.citations[0].quote == both
    assert out.text.count("[1]") == 1 and "[2]" not in out.text


def test_a_fragment_cut_inside_a_word_is_not_a_verbatim_quote():
    from assistant.verify import verbatim

    sentence = "China's Foreign Ministry condemned the U.S. controls."
    ministry = sentence_passage(1, sentence)
    assert verbatim("Ministry condemned the U.", ministry) is None
    assert verbatim("S. controls and more words here", ministry) is None
    s, e = verbatim("Foreign Ministry condemned the U.S. controls", ministry)
    assert TEXT[s:e] == sentence


def test_a_cited_bullet_keeps_its_source_tag():
    tag = "(The Business Times, 2025-05-14)"  # a tag with three words of its own is still a tag, not a sentence
    out = run(f"- “{UNITS.text}” [2] {tag}\n- “{RULE.text}” [1] {tag}")
    assert out.text.count(tag) == 2 and out.dropped == 0


def test_a_framed_verbatim_quote_is_cited_at_the_quote():
    out = run("Yes. P (2025-05-14) reports: “the use of Ascend chips anywhere in the world violates export controls” [1].")
    assert len(out.citations) == 1 and out.citations[0].quote == "the use of Ascend chips anywhere in the world violates export controls"
    assert out.text.startswith("Yes.")


def test_a_frame_may_not_add_a_name_a_negation_or_a_verdict_on_a_hedge():
    assert not run("Yes. Reuters reports: “the use of Ascend chips anywhere in the world violates export controls” [1].").citations
    assert not run("P denies that “the use of Ascend chips anywhere in the world violates export controls” [1].").citations
    assert not run("Yes. P reports: “Another outlet said the use may violate the rules” [3].").citations
    assert run("P words it as a possibility: “Another outlet said the use may violate the rules” [3].").citations


def test_a_judgment_must_be_said_of_the_same_subject_in_the_same_clause():
    doc = "China's ministry condemned the controls, while arguing that they violate market principles."
    hit = Hit(chunk_id="c9", doc_id="d9", text=doc, start=0, end=len(doc), score=1.0, meta={"publisher": "P"})
    p = Passage(1, hit, 0, len(doc), doc)
    out = verify("Testing Huawei Ascend chips in Malaysia violates market principles [1].", [p], threshold=0.6)
    assert not out.citations  # "violate" is said of the controls, not of testing Huawei chips


def test_squash_matches_a_character_by_character_reading():
    """verify._squash (one regex pass, cached) equals the plain definition on tricky white space and quote marks."""
    import random

    from assistant.markers import QUOTES
    from assistant.verify import _squash

    def plain(text: str):
        out, at = [], []
        for i, c in enumerate(text):
            if c in QUOTES or (c.isspace() and (not out or out[-1] == " ")):
                continue
            out.append(" " if c.isspace() else c)
            at.append(i)
        return "".join(out), at

    rng = random.Random(7)
    alphabet = " \t\n\u00a0\u2009\u3000\u2028“”\"‘’'ab1.,\x1c\x85"
    texts = ["", " ", "“", "  a  b ", "a“ b", "“ a ”  c", *("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
                                                          for _ in range(3000))]
    for text in texts:
        squashed, at = _squash(text)
        assert (squashed, list(at)) == plain(text), repr(text)


def test_a_source_tag_whose_title_holds_parentheses_is_decoration_not_a_claim():
    """Trial (issue 14): an evidence bullet tagged "(Excerpt: Part 746 embargo rules (internal study copy), date not
    given)" left the tag behind as a sentence, and verification reported it dropped as unsupported."""
    from assistant.markers import DECOR

    line = "- “Exports to the region require a licence.” [1] (Excerpt: Part 746 embargo rules (internal study copy), " \
           "date not given)"
    assert " ".join(DECOR.sub(" ", line).split()) == "Exports to the region require a licence. [1]"
    assert DECOR.sub(" ", "x (CGTN, date not given)").strip() == "x"


def test_a_verdict_on_a_decision_follows_its_label_its_outcome_word_or_its_no_longer():
    """"No." is kept on "… and no longer by Marcus Lindqvist" (a change, granted to someone else), on "The proposal
    was rejected" and on "Decision: REFUSED."; "Yes." on them is dropped (stop 25: a first version of the outcome
    rule read "are granted" as a yes and dropped the "No." of "Can Marcus Lindqvist still grant exceptions?")."""
    from assistant.verify import framed

    for said in ("From 1 May 2026, exceptions are granted in writing by Sofia Marchetti, and no longer by Marcus "
                 "Lindqvist.", "The proposal was rejected (3 votes against, 1 in favour).",
                 "Decision: REFUSED. The Board will not approve any testing of Ascend chips outside the Penang lab."):
        hit = Hit(chunk_id="m", doc_id="minutes", text=said, start=0, end=len(said), score=1.0,
                  meta={"title": "Minutes", "published": "2026-06-24"})
        p = Passage(1, hit, 0, len(said), said)
        assert framed(f"No. Minutes records: “{said.rstrip('.')}”", p) is not None, said
        assert framed(f"Yes. Minutes records: “{said.rstrip('.')}”", p) is None, said
