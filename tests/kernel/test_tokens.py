"""One definition of a word: identifiers, Unicode and numbers tokenised the same way everywhere."""

from __future__ import annotations

import pytest

from kernel.tokens import index_terms, norm, parts, stem, words


@pytest.mark.parametrize(("text", "token"), [
    ("Paragraph (a)(4) of § 744.23 requires a license", "744.23"),
    ("Paragraph (a)(4) of § 744.23 requires a license", "(a)(4)"),
    ("Items classified under ECCN 3A090.a are reviewed", "3A090.a"),
    ("Country Group D:5 is listed in Supplement No. 1", "D:5"),
    ("set MATCH_THRESHOLD=0.82 in the runbook", "MATCH_THRESHOLD"),
    ("set MATCH_THRESHOLD=0.82 in the runbook", "0.82"),
    ("licence EL-2025-0001 was issued", "EL-2025-0001"),
    ("CAS 7439-89-6 and HS 8542.31", "7439-89-6"),
    ("Böhm & Côté S.à r.l. of Liège", "Böhm"),
    ("Böhm & Côté S.à r.l. of Liège", "Liège"),
])
def test_identifiers_and_unicode_words_are_whole_tokens(text, token):
    assert token in words(text)


def test_normalising_folds_case_accents_possessives_and_thousands():
    assert norm("Böhm") == norm("Bohm") == "bohm"
    assert norm("Huawei’s") == "huawei" and norm("10,000") == "10000" and norm("3A090.a") == "3a090.a"


def test_only_words_are_stemmed_identifiers_stay_whole():
    assert stem("violates") == stem("violation")[:6] == "violat"
    assert stem("MATCH_THRESHOLD") == "match_threshold" and stem("744.23") == "744.23"


def test_the_index_holds_identifiers_whole_and_in_parts():
    terms = index_terms("ECCN 3A090.a and EL-2025-0001")
    assert {"3a090.a", "3a090", "el-2025-0001", "2025", "0001"} <= set(terms)
    assert parts("10,000") == [] and parts("Huawei") == []


def test_non_latin_scripts_are_tokenised():
    assert words("华为 Ascend") == ["华", "为", "Ascend"]
    assert words("Санкции против Huawei") == ["Санкции", "против", "Huawei"]


def test_near_identical_sentences_with_other_figures_or_hedges_are_not_copies():
    from ingest.dedupe import same_claim
    from kernel.tokens import claim_markers

    def agree(a: str, b: str) -> bool:
        return bool(same_claim([claim_markers(a)], [claim_markers(b)])[0, 0])
    v2024 = "Distributors must file a report when a shipment exceeds $50,000. Reports are due within 30 days."
    v2025 = "Distributors must file a report when a shipment exceeds $10,000. Reports are due within 15 days."
    assert not agree(v2024, v2025)
    assert not agree("Licence EL-2025-0001 covers 40 units for Alpha Ltd.", "Licence EL-2025-0002 covers 40 units for Alpha Ltd.")
    assert not agree("The use of Ascend chips may violate export controls.", "The use of Ascend chips violates export controls.")
    assert agree("The bureau said on Tuesday (May 13) it will warn the public.", "The bureau said it will warn the public.")


def test_records_from_one_template_with_other_identifiers_are_never_copies():
    from kernel.tokens import identifiers

    a = identifiers("Item: Class K9 cores (ECCN 3A090.a). Each shipment under licence EL-2025-0002 is reported.")
    b = identifiers("Item: Class K9 cores (ECCN 3A090.a). Each shipment under licence EL-2025-0001 is reported.")
    assert not (a <= b or b <= a) and "el-2025-0002" in a and "2025" not in a
