"""The short answer first for who / when / how-many questions: the span that answers, then its quoted sentence."""

from __future__ import annotations

import re

import pytest

from assistant.answer import answer

pytestmark = pytest.mark.model


@pytest.mark.parametrize("question, opening", [
    ("Who issued the guidance?", "The Commerce Department, per The Business Times (2025-05-14): “"),
    # the one before the verb, not "Huawei's Ascend AI" (what the question is about; a newcomer trial got that)
    ("Who issued the guidance on Huawei Ascend chips?", "The U.S. Department of Commerce, per CGTN"),
    ("How many Ascend 910C units does Huawei plan to produce?", "70,000 Ascend 910C units, per Cryptopolitan"),
    ("When did the AI Diffusion Rule take effect?", "On May 15, 2025, per "),
    # the date after "take effect", not "January 2025" (when the rule was issued) before "compliance requirements"
    ("When were compliance requirements set to take effect?", "On May 15, 2025, per "),
])
def test_the_answer_opens_with_the_span_that_answers(seed_settings, doc_text, question, opening):
    ans = answer(question, settings=seed_settings)
    first = ans.answer.split("\n", 1)[0]
    assert first.startswith(opening), ans.answer
    span = opening.split(", per ")[0].removeprefix("On ")
    quote = next(c.quote for c in ans.citations if c.id == 1)
    assert span.lower() in quote.lower() and "[1]" in first        # the span is the cited sentence's own words
    c = ans.citations[0]
    assert doc_text(c.doc_id)[c.start:c.end] == c.quote


@pytest.mark.parametrize("question", [
    "What did China say about the guidance?",  # not a who / when / how-many question
    "Is testing a 910D in Malaysia a violation?",
    "Who wrote the CGTN piece on the new US chip guidance?",  # not "AI, per …": an acronym is no author
    # not "On Tuesday, per …": the day the rescission was announced; a weekday or "late last month" is no date
    "On what date was the replacement for the AI Diffusion Rule published?",
    "When did Huawei contact tech companies to prepare to test the Ascend 910D, according to AIM?",
])
def test_no_short_answer_where_no_span_answers(seed_settings, question):
    ans = answer(question, settings=seed_settings)
    assert not re.match(r"^[^“\n]{1,80}, per [^\n]+: “", ans.answer), ans.answer


@pytest.mark.parametrize("question", [
    "When was the guidance issued?",
    "When was the guidance issued by the Bureau of Industry and Security?",
])
def test_the_date_of_a_statement_in_the_next_sentence_answers_when(seed_settings, question):
    """Newcomer trial: "When was the guidance issued?" got no date: the sentence that says the guidance was issued has
    none, and the next one dates the statement ("The agency’s Bureau … said on Tuesday (May 13) that …")."""
    ans = answer(question, settings=seed_settings)
    assert ans.answer.startswith("On Tuesday (May 13), per The Business Times (2025-05-14): “"), ans.answer
    quote = ans.citations[0].quote
    assert "issued guidance" in quote and "said on Tuesday (May 13)" in quote  # both sentences, one verbatim span


def _after_the_mission_question(seed_settings):
    first = answer("Is testing a 910D in Malaysia a violation?", settings=seed_settings)
    assert first.answer.startswith("Yes. The Business Times")
    return [{"role": "user", "content": "Is testing a 910D in Malaysia a violation?"},
            {"role": "assistant", "content": first.answer}]


@pytest.mark.parametrize("follow_up, opening", [
    ("Who said that?", "The Commerce Department, per The Business Times"),
    ("When did they say it?", "On Tuesday (May 13), per The Business Times"),
])
def test_a_follow_up_about_the_quoted_claim_is_answered_from_it(seed_settings, follow_up, opening):
    """Newcomer trial: after the mission question, "When did they say it?" abstained and "Who said that?" listed
    passages: "that" is the claim the answer opened with, and its speaker and date are in or next to its sentence."""
    ans = answer(follow_up, history=_after_the_mission_question(seed_settings), settings=seed_settings)
    assert ans.answer.startswith(opening), ans.answer
    assert not ans.abstained and "issued guidance" in ans.citations[0].quote


def test_a_follow_up_reads_the_claim_of_an_answer_wrapped_for_a_terminal(seed_settings):
    """`assistant ask` wraps its answer at 110 columns; pasted back as history, the quote spans lines."""
    import textwrap

    history = _after_the_mission_question(seed_settings)
    history[1]["content"] = "\n".join(textwrap.wrap(history[1]["content"], 100))
    ans = answer("Who said that?", history=history, settings=seed_settings)
    assert ans.answer.startswith("The Commerce Department, per The Business Times"), ans.answer


def test_a_date_of_a_rescinded_rule_comes_with_the_rescission(seed_settings):
    """Newcomer trial: "When does the AI Diffusion Rule take effect?" answered "On May 15, 2025" and nothing else,
    though AIM reports that the Department rescinded the rule on 13 May: a compliance officer must not read a
    rescinded rule as one about to take effect."""
    ans = answer("When did the AI Diffusion Rule take effect?", settings=seed_settings)
    lines = ans.answer.split("\n")
    assert lines[0].startswith("On May 15, 2025, per "), ans.answer
    assert lines[1].startswith("But ") and "rescinded" in lines[1] and "[2]" in lines[1], ans.answer
    assert "rescinded" in ans.citations[1].quote
    # asked in the present ("does … take effect?", as the trial did), the end comes first, then the date it had
    # been set for
    now = answer("When does the AI Diffusion Rule take effect?", settings=seed_settings)
    lines = now.answer.split("\n")
    assert lines[0].startswith("AIM reports that it has ended: “") and "rescinded" in lines[0], now.answer
    assert lines[1].startswith("The date it had been set for: on May 15, 2025, per ") and "[2]" in lines[1]
    assert "rescinded" in now.citations[0].quote and "May 15, 2025" in now.citations[1].quote
    # a figure whose subject nothing ends gets no such line
    other = answer("How many Ascend 910C units does Huawei plan to produce?", settings=seed_settings)
    assert not any(line.startswith("But ") for line in other.answer.split("\n"))


def test_which_models_opens_with_the_items_the_guidance_names(seed_settings):
    """Newcomer trial: "Which models of Ascend chips are covered by the guidance?" listed three passages about the
    guidance and not the one that names the models; the enumeration now leads, its items first."""
    # asked with "covered", the same question abstains on this fixture: the planted memo's "covered" makes "cover" a
    # rare indexed term that no evidence holds (answerability 0.16); on corpus/ alone it opens like this
    ans = answer("Which models of Ascend chips does the guidance name?", settings=seed_settings)
    first = ans.answer.split("\n", 1)[0]
    assert first.startswith("The 910B, 910C, and 910D, per AIM"), ans.answer
    assert "namely the 910B, 910C, and 910D" in ans.citations[0].quote
    # a bare list of something else ("countries like China, Russia, Iran, and North Korea") is not made a lead
    other = answer("Which chips are covered?", settings=seed_settings)
    assert not other.answer.startswith("Russia"), other.answer


@pytest.mark.parametrize("question, opening", [
    ("Who is Jeffery Kessler?", "Jeffery Kessler is the Under Secretary of Commerce for Industry and Security, per "),
    ("Who is Kessler?", "Kessler is the Under Secretary of Commerce for Industry and Security, per "),  # not "… Jeffery"
    ("Who is Lin Jian?", "Lin Jian is a spokesperson for the ministry, per CGTN"),
    ("Who is the Under Secretary of Commerce for Industry and Security?", "Jeffery Kessler, per "),
])
def test_who_is_opens_with_the_role_the_documents_give(seed_settings, question, opening):
    """Newcomer trial: "Who is Jeffery Kessler?" listed three passages; the role the text gives the name (a title
    before it, or an apposition after it) now opens the answer, with the sentence quoted."""
    ans = answer(question, settings=seed_settings)
    assert ans.answer.startswith(opening), ans.answer
    assert "[1]" in ans.answer.split("\n", 1)[0] and ans.citations


def test_an_amount_keeps_its_currency(tmp_path):
    """Trial (issue 14): "How much was Delta Components fined?" was answered "120,000, per …" for "€120,000", and
    "$20,000" was read as "$2" and "000"."""
    from tests.assistant.test_bottom_line import indexed

    settings = indexed(tmp_path, {"fine.md": "---\ntitle: Regulator fines parts broker\npublisher: Trade Desk\n"
                                             "published: 2025-06-03\n---\nThe regulator fined Delta Components "
                                             "€120,000 for shipping thermal sensors without a licence.\n\nIn a separate "
                                             "case, Omega Parts was fined $20,000 for a late report.\n"})
    ans = answer("How much was Delta Components fined?", settings=settings)
    assert ans.answer.startswith("€120,000, per Trade Desk"), ans.answer
    ans = answer("How much was Omega Parts fined?", settings=settings)
    assert ans.answer.startswith("$20,000, per Trade Desk"), ans.answer


@pytest.mark.parametrize("question", [
    "What happened to the AI Diffusion Rule?",
    "What did the Commerce Department do with the AI Diffusion Rule?",
    "what happened to biden's ai rule",
])
def test_what_happened_to_a_rule_opens_with_the_event(seed_settings, doc_text, question):
    """Newcomer trial (stop 20): "What happened to the AI Diffusion Rule?" opened with bullets about when it was
    issued and what it would have done; that it was rescinded came fifth."""
    ans = answer(question, settings=seed_settings)
    first = ans.answer.split("\n", 1)[0]
    assert first.startswith("It was rescinded, per "), ans.answer
    quote = next(c.quote for c in ans.citations if c.id == 1)
    assert "rescinded" in quote and "Diffusion Rule" in quote and "[1]" in first
    c = ans.citations[0]
    assert doc_text(c.doc_id)[c.start:c.end] == c.quote


def test_what_happened_without_an_event_has_no_short_answer(seed_settings):
    """A sentence must name what the question asks about and an event it underwent: "What happened to Huawei?" has
    none in one sentence, so the answer opens with its evidence."""
    ans = answer("What happened to Huawei?", settings=seed_settings)
    assert not ans.answer.startswith("It was "), ans.answer


@pytest.mark.parametrize(("question", "reason"), [
    # one quote, that it was rescinded, without a word of why (newcomer trial, stop 20)
    ("Why did the Commerce Department rescind the AI Diffusion Rule?", r"stifle innovation|would have|citing concerns"),
    # read as a "which chips" question: the answer opened "The 910B, 910C, and 910D, per AIM"
    ("Why are Huawei's Ascend chips subject to export restrictions?", r"due to suspicions|in an attempt to curb"),
])
def test_a_why_question_quotes_a_reason(seed_settings, question, reason):
    ans = answer(question, settings=seed_settings)
    assert not ans.answer.startswith("The 910B"), ans.answer
    assert any(re.search(reason, c.quote) for c in ans.citations), ans.answer


@pytest.mark.parametrize("question, openings", [
    # trial: a compound question opened with bullets; each part now has its line, in the order asked; a sentence
    # that answers both parts is quoted once (the second line gives its span and cites it)
    ("Who issued that guidance, and when?", ("The Commerce Department, per ", "On Tuesday (May 13), per ")),
    ("When was the AI Diffusion Rule issued and when was it set to take effect?",
     ("In January 2025, per ", "On May 15, 2025 [")),
])
def test_each_part_of_a_compound_question_gets_its_short_answer(seed_settings, doc_text, question, openings):
    ans = answer(question, settings=seed_settings)
    lines = ans.answer.split("\n")
    for line, opening, n in zip(lines, openings, (1, 2), strict=False):
        assert line.startswith(opening) and f"[{n}]" in line, ans.answer
    for c in ans.citations:
        assert doc_text(c.doc_id)[c.start:c.end] == c.quote


def test_a_follow_up_opening_with_and_gets_a_line_per_part_and_quotes_each_sentence_once(seed_settings, doc_text):
    """Stop 22's review: "And who issued that guidance, and when?" after the Malaysia question opened with evidence
    bullets (its leading "And" hid the parts), and the "when" line quoted the "who" line's sentence again."""
    first = "Is testing a 910D in Malaysia a violation?"
    history = [{"role": "user", "content": first},
               {"role": "assistant", "content": answer(first, settings=seed_settings).answer}]
    ans = answer("And who issued that guidance, and when?", history=history, settings=seed_settings)
    who, when = ans.answer.split("\n")[:2]
    assert who.startswith("The Commerce Department, per ") and when.startswith("On Tuesday (May 13), per "), ans.answer
    assert "issued guidance" not in when, when  # the sentence the first line quotes is not quoted again
    for c in ans.citations:
        assert doc_text(c.doc_id)[c.start:c.end] == c.quote


def test_a_part_the_documents_do_not_answer_leaves_no_invented_line(seed_settings):
    ans = answer("How many Ascend 910C units does Huawei plan to produce, and when?", settings=seed_settings)
    assert not re.match(r"(On|In) ", ans.answer) and "70,000" in ans.answer


@pytest.mark.parametrize("question", ["Is the 910C covered by the guidance?", "Does the guidance cover the 910B?"])
def test_whether_a_model_is_covered_opens_with_yes_and_the_sentence_that_lists_it(seed_settings, doc_text, question):
    """Newcomer trial: no verdict for "Is the 910C covered by the guidance?"; the answer was in the evidence."""
    ans = answer(question, settings=seed_settings)
    first = ans.answer.split("\n", 1)[0]
    assert first.startswith("Yes. AIM (date not given) reports: “") and "namely the 910B, 910C, and 910D" in first
    assert "suspicions" not in first  # the quote ends at the restriction: the reason after it is no hedge
    c = ans.citations[0]
    assert doc_text(c.doc_id)[c.start:c.end] == c.quote


def test_a_model_no_passage_lists_gets_no_yes(seed_settings):
    ans = answer("Is the Kirin 9000S covered by the guidance?", settings=seed_settings)
    assert not ans.answer.startswith("Yes"), ans.answer


def test_a_by_when_part_is_answered_by_its_deadline_and_one_sentence_is_quoted_once(tmp_path):
    """"Who will replace the damaged scanner at dock 3, and by when?" lost its short answer once "…, and by when"
    was split into parts (stop 22); now each part is answered, the deadline as "By …", the sentence quoted once."""
    from tests.assistant.test_bottom_line import indexed

    settings = indexed(tmp_path, {"minutes.md": "---\ntitle: Quarterly audit review minutes\npublisher: Trade "
                                                "Compliance\npublished: 2025-10-16\n---\nThe warehouse audit found "
                                                "two open items.\n\nAction: Daniel Ong will replace the damaged "
                                                "scanner at dock 3 by October 31, 2025.\n"})
    ans = answer("Who will replace the damaged scanner at dock 3, and by when?", settings=settings)
    lines = ans.answer.split("\n")
    assert lines[0].startswith("Daniel Ong, per Trade Compliance") and lines[1].startswith("By October 31, 2025 ["), \
        ans.answer
    assert ans.answer.count("“Action: Daniel Ong") == 1


def test_parallel_clauses_keep_the_case_named_and_nothing_else_changes():
    import re

    from assistant.engines.clauses import of_case
    from assistant.terms import stem_set

    text = ("Shipments to Thailand need a determination within 5 business days, shipments to Vietnam within "
            "10 business days; fees of USD 1,200 apply.")
    spans = [(0.0, m) for m in re.finditer(r"\d[\d,]*", text)]
    kept = [m.group(0) for _, m in of_case(text, spans, stem_set("How long for shipments to Vietnam?"))]
    assert kept == ["10", "1,200"]  # the other case's "5" is dropped; a clause outside the run stays
    assert of_case(text, spans, stem_set("How long does a determination take?")) == spans  # no case named


def test_a_gerund_has_no_agent_before_it(seed_settings):
    # Cryptopolitan: "… warning the public about … Chinese AI models; and issuing guidance to U.S. companies …" holds
    # more of the question's words than "The Commerce Department issued guidance …", but no one who issued anything
    ans = answer("Who issued the guidance that using Huawei Ascend chips anywhere in the world violates export "
                 "controls, and when?", settings=seed_settings)
    first = ans.answer.split("\n")[0]
    assert not first.startswith("Chinese AI"), ans.answer
    assert re.match(r"The (?:U\.S\. )?(?:Commerce Department|Department of Commerce)", first), ans.answer


def test_a_value_changed_from_one_figure_to_another_answers_with_the_new_one():
    import re

    from assistant.engines.clauses import changed_to

    text = "Revision 2 lowers the hold threshold from a match score of 90 to a match score of 85."
    spans = [(1.0, m) for m in re.finditer(r"\b(?:90|85)\b", text)]
    assert [m.group(0) for _, m in changed_to(text, spans)] == ["85"]
    plain = "Scores from 90 to 100 are reviewed by two analysts."  # a range, no change: both stay
    spans = [(1.0, m) for m in re.finditer(r"\b(?:90|100)\b", plain)]
    assert changed_to(plain, spans) == spans
