"""Language detection (assistant.language.detect): short and mixed-script questions in other languages are recognised,
so the answer warns that the index is searched in English; English questions with foreign names stay English.

Before the fix, detection counted names as words and needed 4 words: "Huawei Ascend 910D 违规？", "Jeffrey Kessler 是谁",
"Kessler是谁？", "Wer ist Kessler?", "¿Quién es Kessler?" were all taken for English (no warning), and an English
question naming a Russian company was taken for Russian.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import language
from assistant.language import detect, frame

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("question", "lang"), [
    ("Huawei Ascend 910D 违规？", "zh"),                      # mixed script: the names in Latin letters
    ("在马来西亚测试 Huawei Ascend 910D 是否违规？", "zh"),
    ("Jeffrey Kessler 是谁", "zh"),
    ("Kessler是谁？", "zh"),                                 # short: three "words"
    ("谁发布了该指南？", "zh"),                               # "Who issued the guidance?"
    ("华为总部在哪？", "zh"),
    ("ガイダンスを発表したのは誰ですか？", "ja"),
    ("누가 지침을 발표했습니까?", "ko"),
    ("Кто такой Kessler?", "ru"),
    ("Wer ist Kessler?", "de"),                              # short Latin-script questions open with a question word
    ("Wo sitzt Huawei?", "de"),
    ("Qui est Kessler ?", "fr"),
    ("¿Quién es Kessler?", "es"),
    ("Wer hat die Leitlinie herausgegeben?", "de"),
    ("Qui a publié les directives ?", "fr"),
    ("¿Quién emitió la guía?", "es"),
    ("¿Es ilegal probar un chip Huawei Ascend 910C en Malasia?", "es"),  # the trial (stop 18): read as English
])
def test_short_and_mixed_script_questions_in_other_languages(question, lang):
    assert detect(question) == lang


@pytest.mark.parametrize("question", [
    "Who issued the guidance?",
    "Who is Kessler?",
    "Is 910D banned?",
    "Is testing a Huawei Ascend 910D in Malaysia a violation?",
    "What is MATCH_THRESHOLD set to?",
    "Is Böhm & Côté on the restricted entity list?",
    "Why was ООО «Северный Кристалл» put on the restricted entity list?",  # names in Cyrillic, question in English
    "Who is 王毅?",
])
def test_english_questions_with_foreign_names_stay_english(question):
    assert detect(question) == "en"


def test_every_english_evaluation_question_is_english():
    """No false alarm on the English questions of the golden and compliance_docs suites."""
    questions = []
    for path in ("evals/golden/cases.jsonl", "evals/compliance/cases.jsonl"):
        for line in (ROOT / path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                questions.append(json.loads(line)["question"])
    flagged = [q for q in questions if detect(q) != "en" and _looks_english(q)]
    assert not flagged


def _looks_english(question: str) -> bool:
    """Written with English question words (the golden set also holds a few questions in other languages)."""
    first = question.split()[0].lower().strip("¿¡")
    return first in {"who", "what", "when", "where", "which", "why", "how", "is", "are", "was", "were", "does", "do",
                     "did", "can", "could", "should", "would", "will", "has", "have", "compare", "list", "name", "in"}


def test_the_frame_leaves_out_names_and_identifiers():
    assert frame("Is testing a Huawei Ascend 910D in Malaysia a violation?") == [
        "Is", "testing", "a", "in", "a", "violation"]
    assert frame("Huawei Ascend 910D 违规？") == ["Huawei", "违", "规"]


@pytest.mark.parametrize(("question", "expected"), [
    ("Tester un Huawei Ascend 910D en Malaisie est-il une violation ?", True),   # French inversion
    ("L'utilisation des puces Huawei Ascend viole-t-elle les contrôles américains à l'exportation ?", True),
    ("¿Probar un Huawei Ascend 910D en Malasia es una violación?", True),        # Spanish, no question word
    ("Ist es ein Verstoß, einen Huawei Ascend 910D in Malaysia zu testen?", True),
    ("Quand la règle AI Diffusion Rule a-t-elle été publiée ?", False),          # a question word: not yes/no
    ("De quel fabricant chinois de puces Huawei dépend-il ?", False),
    ("¿Quién emitió la guía?", False),
    ("¿De qué fabricante chino depende Huawei?", False),
])
def test_yes_no_questions_asked_without_an_opening_verb(question, expected):
    """Before, only a question opening with a verb counted: the French and Spanish mission questions got no bottom
    line (no "Yes."), only quotes."""
    from assistant.language import yes_no

    assert yes_no(question) is expected


@pytest.mark.parametrize("text, lang, found", [
    ("Est-ce que tester une puce Ascend 910D en Malaisie constitue une violation?", "fr", ["Malaysia"]),
    ("¿Es una violación probar un chip Ascend 910D en Malasia?", "es", ["Malaysia"]),
    ("Ist das Testen in Deutschland oder in Malaysia erlaubt?", "de", ["Germany", "Malaysia"]),
    ("在马来西亚测试华为昇腾910D芯片是否违反美国出口管制？", "zh", ["Malaysia"]),   # 美国 (US) is no place of the case
    ("Les contrôles des États-Unis visent Huawei.", "fr", []),
    ("Malaysia", "xx", []),  # a language without a list
])
def test_countries_where_a_case_happens_by_their_english_names(text, lang, found):
    from assistant.language import countries_in

    assert countries_in(text, lang) == found


def test_chinese_yes_no_and_rule_questions_are_recognised():
    assert language.yes_no("在马来西亚测试华为昇腾910D芯片是否违反美国出口管制？")
    assert language.judgment("测试昇腾芯片违法吗？") and language.asks_restriction("测试昇腾芯片违法吗？") is True
    assert language.asks_restriction("测试昇腾芯片合法吗？") is False


@pytest.mark.parametrize("question", ["Darf ein Ingenieur am Standort München Huawei-Ascend-Chips einsetzen?",
                                      "Dürfen wir Ascend-Chips in München testen?",
                                      "Peut-on tester des puces Ascend en Malaisie ?"])
def test_a_permission_asked_with_the_modal_alone_is_a_rule_question_about_what_is_allowed(question):
    from assistant.language import asks_restriction, judgment

    assert judgment(question) and asks_restriction(question) is False


def test_a_german_question_full_of_english_names_is_german():
    from assistant.language import detect

    # its own words ("Darf unser in testen") read German at 0.46; the whole question only at 0.32
    assert detect("Darf unser Team in Penang Ascend 910C Chips testen?") == "de"
